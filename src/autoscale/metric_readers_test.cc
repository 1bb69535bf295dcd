#include "autoscale/metric_readers.h"

#include <gtest/gtest.h>

#include "autoscale/scaling_status.h"

namespace kelola {
namespace {

using std::chrono::seconds;

TEST(SeriesStoreReaderTest, EachHostsNewestPointWithinTheWindow) {
  FakeClock clock;
  metrics::SeriesStore store;
  const int64_t now = UnixMillis(clock.Now());
  ASSERT_TRUE(store.Append("a", "web", "cpu_busy_percent", now - 30'000, 10).ok());
  ASSERT_TRUE(store.Append("a", "web", "cpu_busy_percent", now, 70).ok());
  ASSERT_TRUE(store.Append("b", "web", "cpu_busy_percent", now - 120'000, 90).ok());  // older than the window
  SeriesStoreReader reader(store, clock, seconds(60));
  auto r = reader.Read("web", "cpu_busy_percent", {{"a", clock.Now()}, {"b", clock.Now()}, {"c", std::nullopt}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->status.ok());
  EXPECT_TRUE(r->per_host);
  ASSERT_EQ(r->host_values.size(), 3u);
  EXPECT_EQ(r->host_values[0], std::optional<double>(70));
  EXPECT_EQ(r->host_values[1], std::nullopt);
  EXPECT_EQ(r->host_values[2], std::nullopt);
}

TEST(MetricsSourceReaderTest, AGroupValueFromTheSourceOrItsError) {
  FakeClock clock;
  metrics::SeriesStore store;
  const int64_t now = UnixMillis(clock.Now());
  ASSERT_TRUE(store.Append("a", "web", "load1", now, 1.0).ok());
  ASSERT_TRUE(store.Append("b", "web", "load1", now, 3.0).ok());
  ASSERT_TRUE(store.Append("c", "db", "load1", now, 9.0).ok());
  metrics::EmbeddedMetricsSource source(store, clock);
  MetricsSourceReader reader(source, [](const std::string& group, const std::string& metric) {
    metrics::MetricQuery q;
    q.group = group;
    q.metric = metric;
    return q;
  });
  auto r = reader.Read("web", "load1", {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->status.ok()) << r->status.ToString();
  EXPECT_FALSE(r->per_host);
  EXPECT_DOUBLE_EQ(r->value, 2.0);
  auto missing = reader.Read("web", "memory_used_percent", {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status.code(), StatusCode::kNotFound);
}

TEST(PolicyScalingStatusTest, RoundTripsAndReadsDamageAsEmpty) {
  PolicyScalingStatus s;
  s.last_evaluation = WallTime(std::chrono::milliseconds(1'700'000'000'123));
  s.recommendations = {{WallTime(std::chrono::milliseconds(1'700'000'000'000)), 3}};
  s.scale_up = {{WallTime(std::chrono::milliseconds(1'699'999'990'000)), 2}};
  s.last_decision_json = R"({"desired":3})";
  s.signature = "2->3";
  PolicyScalingStatus back = DecodePolicyScalingStatus(EncodePolicyScalingStatus(s));
  EXPECT_EQ(back.last_evaluation, s.last_evaluation);
  ASSERT_EQ(back.recommendations.size(), 1u);
  EXPECT_EQ(back.recommendations[0].hosts, 3);
  ASSERT_EQ(back.scale_up.size(), 1u);
  EXPECT_EQ(back.scale_up[0].change, 2);
  EXPECT_TRUE(back.scale_down.empty());
  EXPECT_EQ(back.last_decision_json, R"({"desired":3})");
  EXPECT_EQ(back.signature, "2->3");
  for (const char* damaged : {"", "[]", "{\"recommendations\":[[1],[\"x\",2]],\"lastEvaluation\":7}"}) {
    PolicyScalingStatus d = DecodePolicyScalingStatus(damaged);
    EXPECT_FALSE(d.last_evaluation) << damaged;
    EXPECT_TRUE(d.recommendations.empty()) << damaged;
  }
}

}  // namespace
}  // namespace kelola
