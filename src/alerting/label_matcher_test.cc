#include "alerting/label_matcher.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(LabelMatcherTest, ParsesAlertmanagerSyntax) {
  struct Case {
    std::string text;
    std::string formatted;
  };
  for (const Case& c : std::vector<Case>{
           {R"({service="api"})", R"({service="api"})"},
           {R"(service="api", env=~"prod|stage")", R"({service="api", env=~"prod|stage"})"},
           {R"({ a != "x" , b !~ "y.*" ,})", R"({a!="x", b!~"y.*"})"},
           {"service=api", R"({service="api"})"},
           {"service = api team , env=prod", R"({service="api team", env="prod"})"},
           {R"(msg="say \"hi\"\\")", R"({msg="say \"hi\"\\"})"},
           {R"(path=~"/api/v\d+/.*")", R"({path=~"/api/v\\d+/.*"})"},
           {"", "{}"},
           {"{}", "{}"},
       }) {
    auto m = ParseMatchers(c.text);
    ASSERT_TRUE(m.ok()) << c.text << ": " << m.status().ToString();
    EXPECT_EQ(FormatMatchers(*m), c.formatted) << c.text;
    auto again = ParseMatchers(FormatMatchers(*m));
    ASSERT_TRUE(again.ok()) << c.formatted;
    EXPECT_EQ(FormatMatchers(*again), c.formatted);
  }
}

TEST(LabelMatcherTest, RejectsBadInputWithPosition) {
  struct Case {
    std::string text;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"service", "at offset 7: expected an operator"},
           {"=api", "at offset 0: expected a label name"},
           {R"(service="api)", "unterminated quoted string"},
           {R"(a="b" c="d")", "expected ',' between matchers"},
           {R"({a="b")", "expected '}'"},
           {R"(a=~"(")", "regex \"(\" of label a: missing )"},
           {R"(1a="b")", "label name \"1a\" must match"},
           {R"({a="b"} x)", "unexpected text after the matcher list"},
       }) {
    auto m = ParseMatchers(c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(m.status().message().find(c.error), std::string::npos) << c.text << " -> " << m.status().message();
  }
}

TEST(LabelMatcherTest, MatchesLikeAlertmanager) {
  LabelSet labels{{"service", "api"}, {"env", "prod"}};
  struct Case {
    std::string matcher;
    bool matches;
  };
  for (const Case& c : std::vector<Case>{
           {R"(service="api")", true},
           {R"(service="ap")", false},
           {R"(service!="web")", true},
           {R"(service=~"ap.")", true},
           {R"(service=~"ap")", false},  // anchored
           {R"(service!~"web|db")", true},
           {R"(team="")", true},  // a missing label is the empty string
           {R"(team!="")", false},
           {R"(team=~".*")", true},
           {R"(env=~"prod|stage")", true},
       }) {
    auto m = ParseMatcher(c.matcher);
    ASSERT_TRUE(m.ok()) << c.matcher;
    EXPECT_EQ(m->Matches(labels), c.matches) << c.matcher;
  }
}

TEST(LabelMatcherTest, ParseMatcherWantsExactlyOne) {
  EXPECT_FALSE(ParseMatcher(R"(a="b", c="d")").ok());
  EXPECT_FALSE(ParseMatcher("").ok());
}

}  // namespace
}  // namespace kelola
