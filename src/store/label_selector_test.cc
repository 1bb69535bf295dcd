#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/resource_validation.h"
#include "store/store.h"

namespace kelola {
namespace {

using Op = LabelRequirement::Op;
using ::testing::HasSubstr;

std::vector<LabelRequirement> Parse(const std::string& text) {
  auto parsed = ParseLabelSelector(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? *parsed : std::vector<LabelRequirement>{};
}

std::string ParseError(const std::string& text) {
  auto parsed = ParseLabelSelector(text);
  EXPECT_FALSE(parsed.ok()) << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

TEST(ParseLabelSelector, EmptyAndBlankSelectEverything) {
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("   ").empty());
}

TEST(ParseLabelSelector, AllOperators) {
  auto r = Parse("app=web,tier!=db,env in (prod,staging),!legacy,team,zone==eu-1,os notin (win)");
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[0].key, "app");
  EXPECT_EQ(r[0].op, Op::kEquals);
  EXPECT_EQ(r[0].values, std::vector<std::string>{"web"});
  EXPECT_EQ(r[1].key, "tier");
  EXPECT_EQ(r[1].op, Op::kNotEquals);
  EXPECT_EQ(r[1].values, std::vector<std::string>{"db"});
  EXPECT_EQ(r[2].key, "env");
  EXPECT_EQ(r[2].op, Op::kIn);
  EXPECT_EQ(r[2].values, (std::vector<std::string>{"prod", "staging"}));
  EXPECT_EQ(r[3].key, "legacy");
  EXPECT_EQ(r[3].op, Op::kNotExists);
  EXPECT_TRUE(r[3].values.empty());
  EXPECT_EQ(r[4].key, "team");
  EXPECT_EQ(r[4].op, Op::kExists);
  EXPECT_EQ(r[5].key, "zone");
  EXPECT_EQ(r[5].op, Op::kEquals);
  EXPECT_EQ(r[5].values, std::vector<std::string>{"eu-1"});
  EXPECT_EQ(r[6].op, Op::kNotIn);
  EXPECT_EQ(r[6].values, std::vector<std::string>{"win"});
}

TEST(ParseLabelSelector, WhitespaceAroundTokens) {
  auto r = Parse("  app = web ,  env  in  ( prod , staging ) , ! legacy  ");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].values, std::vector<std::string>{"web"});
  EXPECT_EQ(r[1].values, (std::vector<std::string>{"prod", "staging"}));
  EXPECT_EQ(r[2].key, "legacy");
  EXPECT_EQ(r[2].op, Op::kNotExists);
}

TEST(ParseLabelSelector, PrefixedKeysAndEmptyValue) {
  auto r = Parse("kelola.dev/role=,app.kubernetes.io/name=api");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].key, "kelola.dev/role");
  EXPECT_EQ(r[0].values, std::vector<std::string>{""});
  EXPECT_EQ(r[1].key, "app.kubernetes.io/name");
}

TEST(ParseLabelSelector, KeywordsAreOrdinaryKeysInKeyPosition) {
  auto r = Parse("in,notin=x");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].key, "in");
  EXPECT_EQ(r[0].op, Op::kExists);
  EXPECT_EQ(r[1].key, "notin");
  EXPECT_EQ(r[1].op, Op::kEquals);
}

TEST(ParseLabelSelector, ErrorsNameTheColumn) {
  EXPECT_THAT(ParseError("app=web,"), HasSubstr("column 9"));
  EXPECT_THAT(ParseError("app=web,"), HasSubstr("expected a requirement after ','"));
  EXPECT_THAT(ParseError("env in prod"), HasSubstr("expected '(' after 'in' at column 8"));
  EXPECT_THAT(ParseError("env in (prod"), HasSubstr("column 13"));
  EXPECT_THAT(ParseError("env in ()"), HasSubstr("expected a label value at column 9"));
  EXPECT_THAT(ParseError("env in (a,)"), HasSubstr("column 11"));
  EXPECT_THAT(ParseError("app foo"), HasSubstr("expected one of '=', '==', '!=', 'in', 'notin'"));
  EXPECT_THAT(ParseError("app foo"), HasSubstr("column 5"));
  EXPECT_THAT(ParseError("app!web"), HasSubstr("expected '=' after '!' at column 5"));
  EXPECT_THAT(ParseError("=web"), HasSubstr("expected a label key at column 1"));
  EXPECT_THAT(ParseError("!"), HasSubstr("found end of selector"));
  EXPECT_THAT(ParseError("app=we b"), HasSubstr("column 8"));
  EXPECT_THAT(ParseError("app=w$b"), HasSubstr("expected ',' or end of selector at column 6, found '$'"));
  EXPECT_THAT(ParseError("a=b c"), HasSubstr("column 5"));
  EXPECT_THAT(ParseError("a,,b"), HasSubstr("column 3"));
}

TEST(ParseLabelSelector, ParsedSelectorsPassValidation) {
  EXPECT_TRUE(ValidateSelector(Parse("a=b,c!=,d in (x,y),!e,f")).ok());
}

TEST(MatchesSelector, KubernetesSemantics) {
  std::map<std::string, std::string> labels = {{"app", "web"}, {"env", "prod"}, {"team", ""}};
  auto matches = [&](const std::string& selector) { return MatchesSelector(labels, Parse(selector)); };
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("app=web"));
  EXPECT_TRUE(matches("app==web"));
  EXPECT_FALSE(matches("app=api"));
  EXPECT_FALSE(matches("missing=web"));
  EXPECT_TRUE(matches("app!=api"));
  EXPECT_FALSE(matches("app!=web"));
  EXPECT_TRUE(matches("missing!=x")) << "!= matches objects without the label";
  EXPECT_TRUE(matches("env in (staging,prod)"));
  EXPECT_FALSE(matches("env in (staging)"));
  EXPECT_FALSE(matches("missing in (x)"));
  EXPECT_TRUE(matches("env notin (staging)"));
  EXPECT_FALSE(matches("env notin (prod)"));
  EXPECT_TRUE(matches("missing notin (x)")) << "notin matches objects without the label";
  EXPECT_TRUE(matches("team"));
  EXPECT_TRUE(matches("team="));
  EXPECT_FALSE(matches("missing"));
  EXPECT_TRUE(matches("!missing"));
  EXPECT_FALSE(matches("!app"));
  EXPECT_TRUE(matches("app=web,env in (prod),!legacy"));
  EXPECT_FALSE(matches("app=web,env in (prod),legacy")) << "every requirement must hold";
}

TEST(ValidateSelector, RejectsMalformedRequirementsBuiltInCode) {
  EXPECT_FALSE(ValidateSelector({{"", Op::kExists, {}}}).ok());
  EXPECT_FALSE(ValidateSelector({{"a", Op::kEquals, {}}}).ok());
  EXPECT_FALSE(ValidateSelector({{"a", Op::kEquals, {"x", "y"}}}).ok());
  EXPECT_FALSE(ValidateSelector({{"a", Op::kIn, {}}}).ok());
  EXPECT_FALSE(ValidateSelector({{"a", Op::kExists, {"x"}}}).ok());
  EXPECT_FALSE(ValidateSelector({{"a", Op::kEquals, {"has space"}}}).ok());
  EXPECT_TRUE(ValidateSelector({{"a", Op::kIn, {"x", "y"}}}).ok());
}

}  // namespace
}  // namespace kelola
