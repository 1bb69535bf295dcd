#include "integrations/loki/loki_labels.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(LokiLabels, ParsesSelectorSyntax) {
  auto l = ParseLokiLabels(R"({job="varlogs", host = "web-1",filename=`/var/log/a.log`,})");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(*l, (LokiLabels{{"filename", "/var/log/a.log"}, {"host", "web-1"}, {"job", "varlogs"}}));
  auto empty = ParseLokiLabels(" { } ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(LokiLabels, DecodesGoEscapes) {
  auto l = ParseLokiLabels(R"({a="q\"b\\s\n\t\x41\101\u00e9\U0001F600"})");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->at("a"), "q\"b\\s\n\tAA\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(LokiLabels, RejectsMalformedWithPosition) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"", "expected '{' at byte 0"},
      {"{a=\"b\"", "expected ',' or '}' at byte 6"},
      {"{a=~\"b\"}", "only equality matchers"},
      {"{a!=\"b\"}", "expected '='"},
      {"{1a=\"b\"}", "expected a label name"},
      {"{a=\"b}", "unterminated string"},
      {"{a=\"\\q\"}", "unknown escape at byte 5"},
      {"{a=\"\\xZ1\"}", "hex digits"},
      {"{a=\"\\ud800\"}", "not a Unicode code point"},
      {"{a=\"\\400\"}", "octal escape above"},
      {"{a=\"b\",a=\"c\"}", "duplicate label name \"a\" at byte 7"},
      {"{a=\"b\"} x", "unexpected text after '}'"},
      {"{a=b}", "expected a quoted value at byte 3"},
  };
  for (const auto& c : cases) {
    auto l = ParseLokiLabels(c.text);
    ASSERT_FALSE(l.ok()) << c.text;
    EXPECT_EQ(l.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(l.status().message().find(c.want), std::string::npos) << c.text << ": " << l.status().message();
  }
}

TEST(LokiLabels, FormatRoundTripsAnyBytes) {
  LokiLabels in{{"a", "plain"},
                {"b", "quote\" back\\ nl\n tab\t cr\r"},
                {"c", std::string("nul\0x\x7f", 6)},
                {"d", "caf\xc3\xa9"},
                {"e", "bad\xff\xc3"}};
  std::string text = FormatLokiLabels(in);
  EXPECT_EQ(text.substr(0, 12), "{a=\"plain\", ");
  auto back = ParseLokiLabels(text);
  ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
  EXPECT_EQ(*back, in);
  EXPECT_EQ(FormatLokiLabels({}), "{}");
}

TEST(LokiLabels, NamesAndSanitising) {
  EXPECT_TRUE(IsValidLokiLabelName("host_1"));
  EXPECT_TRUE(IsValidLokiLabelName("_x"));
  EXPECT_FALSE(IsValidLokiLabelName(""));
  EXPECT_FALSE(IsValidLokiLabelName("1x"));
  EXPECT_FALSE(IsValidLokiLabelName("k8s.pod"));
  EXPECT_EQ(SanitizeLokiLabelName("k8s.pod-name"), "k8s_pod_name");
  EXPECT_EQ(SanitizeLokiLabelName("1a"), "_1a");
  EXPECT_EQ(SanitizeLokiLabelName(""), "_");
}

}  // namespace
}  // namespace kelola
