#include "logs/record_processor.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

LogRecord Line(std::string text, bool split = false) {
  LogRecord r;
  r.text = std::move(text);
  r.split = split;
  return r;
}

TEST(RecordProcessorTest, ParsesLabelsAndCountsLinesItCannotParse) {
  RecordProcessorOptions o;
  o.parser.kind = LogParserKind::kLogfmt;
  o.labels = {{"team", "core"}};
  auto p = RecordProcessor::Create(o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  LogRecord a = Line("level=warn user=ana");
  EXPECT_TRUE((*p)->Process(a, 0));
  EXPECT_EQ(a.level, "warn");
  EXPECT_EQ(a.fields.at("team"), "core");
  LogRecord b = Line("not logfmt");
  EXPECT_TRUE((*p)->Process(b, 0));  // kept unchanged, with the labels
  EXPECT_EQ(b.text, "not logfmt");
  EXPECT_EQ(b.fields, (std::map<std::string, std::string>{{"team", "core"}}));
  LogRecord piece = Line("level=error", true);
  EXPECT_TRUE((*p)->Process(piece, 0));
  EXPECT_EQ(piece.level, "");  // a piece of a split line is not parsed
  EXPECT_EQ((*p)->counters().parsed, 1u);
  EXPECT_EQ((*p)->counters().unparsed, 2u);
  EXPECT_EQ((*p)->counters().filtered, 0u);
}

TEST(RecordProcessorTest, FiltersByLevelRegexAndFieldAndCountsWhatTheyDrop) {
  RecordProcessorOptions o;
  o.parser.kind = LogParserKind::kJson;
  o.filter.min_level = "WARNING";
  o.filter.drop_regex = "healthz";
  o.filter.keep_regex = "^\\{";
  o.filter.field_equals = {{"app", "api"}};
  auto p = RecordProcessor::Create(o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  struct Case {
    const char* text;
    bool kept;
  };
  const Case cases[] = {
      {R"({"app":"api","level":"error","msg":"x"})", true},
      {R"({"app":"api","level":"info","msg":"x"})", false},          // below warn
      {R"({"app":"api","msg":"no level"})", true},                   // unknown level is kept
      {R"({"app":"api","level":"warn","path":"/healthz"})", false},  // drop_regex
      {R"({"app":"web","level":"fatal"})", false},                   // field_equals
      {"plain text app=api", false},                                 // keep_regex and field_equals
  };
  for (const auto& c : cases) {
    LogRecord r = Line(c.text);
    EXPECT_EQ((*p)->Process(r, 0), c.kept) << c.text;
  }
  EXPECT_EQ((*p)->counters().filtered, 4u);
}

TEST(RecordProcessorTest, BadOptionsNameTheKey) {
  RecordProcessorOptions o;
  o.filter.min_level = "loud";
  auto p = RecordProcessor::Create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("filter.min_level"), std::string::npos);
  o = {};
  o.filter.drop_regex = "(";
  p = RecordProcessor::Create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("filter.drop_regex"), std::string::npos);
  o = {};
  o.parser.kind = LogParserKind::kRegex;
  EXPECT_FALSE(RecordProcessor::Create(o).ok());
}

}  // namespace
}  // namespace kelola
