#include "anomaly/rule_evaluator.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kelola::anomaly {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

std::unique_ptr<RuleEvaluator> Make(const char* spec, const Clock& clock) {
  auto parsed = ParseAlertRuleSpec(nlohmann::json::parse(spec));
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  auto e = RuleEvaluator::Create("rule", *parsed, clock.Now());
  EXPECT_TRUE(e.ok());
  return std::move(*e);
}

TEST(RuleEvaluatorTest, FrequencyRuleFromLinesToDetections) {
  FakeClock clock(WallTime(minutes(28'000'000)));
  auto e = Make(R"({"selector":{"service":"sshd"},"match":"Failed password","groupBy":["host"],
      "severity":"critical","labels":{"team":"sec"},"detector":{"type":"frequency","threshold":3,"timeframe":"5m"}})",
                clock);
  const Labels web1 = {{"service", "sshd"}, {"host", "web-1"}};
  const Labels web2 = {{"service", "sshd"}, {"host", "web-2"}};
  EXPECT_TRUE(e->Observe(web1, "info", "Failed password for root from 10.0.0.9", clock.Now()));
  EXPECT_FALSE(e->Observe(web1, "info", "Accepted publickey for deploy", clock.Now()));
  EXPECT_FALSE(e->Observe({{"service", "nginx"}, {"host", "web-1"}}, "info", "Failed password", clock.Now()));
  e->Observe(web2, "info", "Failed password for admin", clock.Now());
  clock.Advance(minutes(1));
  e->Observe(web1, "info", "Failed password for root", clock.Now());
  e->Observe(web1, "info", "Failed password for root", clock.Now());
  const auto d = e->Evaluate(clock);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].labels, (Labels{{"host", "web-1"}, {"team", "sec"}, {"severity", "critical"}}));
  EXPECT_TRUE(d[0].active);
  EXPECT_EQ(d[0].value, 3);
  EXPECT_FALSE(d[1].active);
  clock.Advance(minutes(5));
  for (const Detection& x : e->Evaluate(clock)) EXPECT_FALSE(x.active) << x.summary;
}

TEST(RuleEvaluatorTest, NewErrorTemplateRuleFiresOncePerTemplate) {
  FakeClock clock(WallTime(minutes(28'000'000)));
  auto e = Make(R"({"level":"error","groupBy":["service","template"],
      "detector":{"type":"new_term","learnFor":"10m","holdFor":"5m"}})",
                clock);
  e->Observe({{"service", "api"}, {"template", "T1"}}, "error", "db down", clock.Now());
  e->Observe({{"service", "api"}, {"template", "T2"}}, "info", "request served", clock.Now());  // below the level
  EXPECT_TRUE(e->Evaluate(clock).empty());
  clock.Advance(minutes(11));
  e->Observe({{"service", "api"}, {"template", "T1"}}, "error", "db down", clock.Now());
  e->Observe({{"service", "api"}, {"template", "T2"}}, "error", "request failed", clock.Now());
  auto d = e->Evaluate(clock);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].labels.at("template"), "T2");
  EXPECT_TRUE(d[0].active);
}

TEST(RuleEvaluatorTest, WatchedServiceGoesSilentAndSpeaksAgain) {
  FakeClock clock(WallTime(minutes(28'000'000)));
  auto e = Make(R"({"detector":{"type":"silence","bucket":"1m","window":"30m","quietFor":"5m"}})", clock);
  const Labels api = {{"service", "api"}};
  e->Watch(api, clock.Now());
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j < 5; ++j) e->Observe(api, "info", "ok", clock.Now() + seconds(j));
    clock.Advance(minutes(1));
  }
  EXPECT_FALSE(e->Evaluate(clock)[0].active);
  clock.Advance(minutes(6));
  EXPECT_TRUE(e->Evaluate(clock)[0].active);
  clock.Advance(minutes(30));
  EXPECT_TRUE(e->Evaluate(clock)[0].active) << "a long silence stays active";
  e->Observe(api, "info", "back", clock.Now());
  EXPECT_FALSE(e->Evaluate(clock)[0].active);
}

}  // namespace
}  // namespace kelola::anomaly
