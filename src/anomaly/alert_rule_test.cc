#include "anomaly/alert_rule.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kelola::anomaly {
namespace {

using nlohmann::json;
using std::chrono::minutes;

TEST(AlertRuleTest, ParsesDefaultsAndParameters) {
  auto rule = ParseAlertRuleSpec(json::parse(R"({"detector":{"type":"spike"}})"));
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_EQ(rule->type, DetectorType::kSpike);
  EXPECT_EQ(rule->bucket, minutes(1));
  EXPECT_EQ(rule->buckets, 60u);
  EXPECT_EQ(rule->group_by, (std::vector<std::string>{"service"}));
  EXPECT_EQ(rule->spike.min_count, 10u);
  EXPECT_EQ(rule->severity, "warning");

  rule = ParseAlertRuleSpec(json::parse(R"({"detector":{"type":"silence","bucket":"30s","window":"1h",
      "quietFor":"10m","minBaselinePerBucket":5},"for":"2m","level":"warn"})"));
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_EQ(rule->buckets, 120u);
  EXPECT_EQ(rule->silence.quiet_buckets, 20u);
  EXPECT_EQ(rule->silence.min_baseline_rate, 5);
  EXPECT_EQ(rule->pending_for, minutes(2));
  EXPECT_EQ(CounterOptionsFor(*rule).bucket, std::chrono::seconds(30));

  rule = ParseAlertRuleSpec(json::parse(R"({"detector":{"type":"flatline","threshold":3,"timeframe":"4m"}})"));
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->threshold.kind, ThresholdKind::kFlatline);
  EXPECT_EQ(rule->threshold.timeframe_buckets, 4u);
  EXPECT_EQ(DetectorTypeName(rule->type), "flatline");
}

TEST(AlertRuleTest, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"detector":{"type":"zscore"}})", "spec.detector.type: unknown detector \"zscore\""},
      {R"({})", "spec.detector: required"},
      {R"({"match":"a(b","detector":{"type":"spike"}})", "spec.match: not a valid RE2"},
      {R"({"detector":{"type":"spike","window":"3m"}})", "spec.detector.window: a spike needs"},
      {R"({"detector":{"type":"new_term","holdFor":"10 min"}})", "spec.detector.holdFor"},
      {R"({"detector":{"type":"spike","bucket":"100ms"}})", "spec.detector.bucket: must be at least 1s"},
      {R"({"detector":{"type":"frequency","threshold":0}})", "spec.detector.threshold: 0 is outside"},
      {R"({"detector":{"type":"frequency","threshold":2,"timeframe":"2h"}})", "spec.detector.timeframe: longer"},
      {R"({"groupBy":[""],"detector":{"type":"spike"}})", "spec.groupBy[0]"},
      {R"({"for":"9999999999h","detector":{"type":"spike"}})", "spec.for"},
      {R"({"detector":{"type":"frequency","threshold":18446744073709551615}})", "spec.detector.threshold"},
  };
  for (const auto& [spec, message] : cases) {
    auto rule = ParseAlertRuleSpec(json::parse(spec));
    ASSERT_FALSE(rule.ok()) << spec;
    EXPECT_NE(rule.status().message().find(message), std::string::npos) << rule.status().message();
  }
}

TEST(AlertRuleTest, MatcherSelectsLinesAndSeries) {
  auto rule = ParseAlertRuleSpec(json::parse(R"({"selector":{"env":"prod"},"level":"error",
      "match":"time(d )?out","groupBy":["service","template"],"detector":{"type":"frequency","threshold":5}})"));
  ASSERT_TRUE(rule.ok());
  auto m = RuleMatcher::Compile(*rule);
  ASSERT_TRUE(m.ok());
  const Labels line = {{"env", "prod"}, {"service", "api"}, {"host", "web-1"}};
  EXPECT_TRUE(m->Matches(line, "error", "upstream timed out after 5s"));
  EXPECT_TRUE(m->Matches(line, "fatal", "timeout"));
  EXPECT_FALSE(m->Matches(line, "warn", "timeout")) << "below the level";
  EXPECT_FALSE(m->Matches(line, "error", "refused")) << "no match";
  EXPECT_FALSE(m->Matches({{"service", "api"}}, "error", "timeout")) << "selector label missing";
  EXPECT_EQ(m->SeriesOf(line), (Labels{{"service", "api"}, {"template", ""}}));
}

}  // namespace
}  // namespace kelola::anomaly
