#include "metrics/series_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "metrics/metrics_source.h"

namespace kelola::metrics {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int64_t kT0 = 1'700'000'000'000;  // a multiple of 10 s

TEST(SeriesStore, RangeReturnsRawPointsFlooredToTheResolution) {
  SeriesStore store;
  ASSERT_TRUE(store.Append("web-1", "web", "load1", kT0 + 3, 1.5).ok());
  ASSERT_TRUE(store.Append("web-1", "web", "load1", kT0 + 10'000, 2.5).ok());
  ASSERT_TRUE(store.Append("web-1", "web", "load1", kT0 + 30'000, 3.5).ok());
  auto points = store.Range("web-1", "load1", kT0, kT0 + 60'000);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].time_ms, kT0);
  EXPECT_EQ(points[0].value, 1.5);
  EXPECT_EQ(points[1].time_ms, kT0 + 10'000);
  EXPECT_EQ(points[2].time_ms, kT0 + 30'000);  // the slot at +20 s stays empty
  EXPECT_EQ(store.Range("web-1", "load1", kT0 + 10'000, kT0 + 10'000).size(), 1u);
  EXPECT_TRUE(store.Range("web-1", "load5", kT0, kT0 + 60'000).empty());
  EXPECT_TRUE(store.Range("web-2", "load1", kT0, kT0 + 60'000).empty());
}

TEST(SeriesStore, RangeStepAveragesAlignedBuckets) {
  SeriesStore store;
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(store.Append("h", "", "m", kT0 + i * 10'000, i).ok());
  // Buckets are aligned to multiples of the step, and kT0 is 20 s past one:
  // [kT0-20s, kT0+40s) = 0..3, [kT0+40s, kT0+100s) = 4..9, then 10..11.
  ASSERT_EQ(kT0 % 60'000, 20'000);
  auto points = store.Range("h", "m", kT0, kT0 + 110'000, 60'000);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].time_ms, kT0 - 20'000);
  EXPECT_DOUBLE_EQ(points[0].value, (0 + 1 + 2 + 3) / 4.0);
  EXPECT_EQ(points[1].time_ms, kT0 + 40'000);
  EXPECT_DOUBLE_EQ(points[1].value, (4 + 5 + 6 + 7 + 8 + 9) / 6.0);
  EXPECT_DOUBLE_EQ(points[2].value, (10 + 11) / 2.0);
}

TEST(SeriesStore, RingForgetsPointsOlderThanRetention) {
  SeriesStore store({.resolution = seconds(10), .retention = minutes(1), .max_series = 10});
  EXPECT_EQ(store.slots(), 6u);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store.Append("h", "", "m", kT0 + i * 10'000, i).ok());
  auto points = store.Range("h", "m", 0, kT0 + 1'000'000);
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points.front().value, 4);
  EXPECT_EQ(points.back().value, 9);
  EXPECT_EQ(store.Append("h", "", "m", kT0, 0).code(), StatusCode::kOutOfRange);
  // A late point inside the ring overwrites its slot.
  ASSERT_TRUE(store.Append("h", "", "m", kT0 + 50'000, 55).ok());
  EXPECT_EQ(store.Range("h", "m", kT0 + 50'000, kT0 + 50'000)[0].value, 55);
  // A jump longer than the ring leaves only the new point.
  ASSERT_TRUE(store.Append("h", "", "m", kT0 + 3'600'000, 1).ok());
  EXPECT_EQ(store.Range("h", "m", 0, kT0 + 10'000'000).size(), 1u);
  // Expiry drops series with nothing in the window.
  EXPECT_EQ(store.ExpireBefore(kT0 + 3'600'000 + 30'000), 0u);
  EXPECT_EQ(store.ExpireBefore(kT0 + 3'600'000 + 60'000), 1u);
  EXPECT_EQ(store.series_count(), 0u);
  EXPECT_EQ(store.MemoryBytes(), 0u);
}

TEST(SeriesStore, AggregatesLatestValuePerHostOfAGroup) {
  SeriesStore store;
  const int64_t now = kT0 + 600'000;
  ASSERT_TRUE(store.Append("web-1", "web", "cpu", now - 20'000, 10).ok());
  ASSERT_TRUE(store.Append("web-1", "web", "cpu", now - 10'000, 20).ok());  // web-1's latest
  ASSERT_TRUE(store.Append("web-2", "web", "cpu", now - 60'000, 60).ok());
  ASSERT_TRUE(store.Append("web-3", "web", "cpu", now - 400'000, 99).ok());  // outside a 5 m window
  ASSERT_TRUE(store.Append("db-1", "db", "cpu", now, 90).ok());
  AggregateQuery q{.metric = "cpu", .group = "web", .agg = Aggregation::kAvg, .window_ms = 300'000, .at_ms = now};
  auto r = store.Query(q);
  ASSERT_TRUE(r.value);
  EXPECT_DOUBLE_EQ(*r.value, 40);
  EXPECT_EQ(r.hosts, 2u);
  EXPECT_EQ(r.points, 2u);
  q.agg = Aggregation::kMax;
  EXPECT_EQ(*store.Query(q).value, 60);
  q.agg = Aggregation::kMin;
  EXPECT_EQ(*store.Query(q).value, 20);
  q.agg = Aggregation::kSum;
  EXPECT_EQ(*store.Query(q).value, 80);
  q.over = AggregateOver::kPoints;
  q.agg = Aggregation::kAvg;
  EXPECT_DOUBLE_EQ(*store.Query(q).value, 30);  // 10, 20, 60
  EXPECT_EQ(store.Query(q).points, 3u);
  q.group = "";
  q.over = AggregateOver::kLatest;
  EXPECT_EQ(store.Query(q).hosts, 3u);  // web-1, web-2, db-1
  q.group = "none";
  EXPECT_FALSE(store.Query(q).value);
  EXPECT_EQ(store.GroupOf("db-1"), "db");
}

TEST(SeriesStore, P95IsTheNearestRank) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  EXPECT_EQ(Aggregate(Aggregation::kP95, v), 95);
  std::vector<double> one{7};
  EXPECT_EQ(Aggregate(Aggregation::kP95, one), 7);
  std::vector<double> three{1, 2, 3};
  EXPECT_EQ(Aggregate(Aggregation::kP95, three), 3);  // ceil(2.85) = 3rd
}

TEST(SeriesStore, ParsesAggregationNames) {
  for (std::string_view n : {"avg", "max", "min", "sum", "p95"}) EXPECT_EQ(AggregationName(*ParseAggregation(n)), n);
  EXPECT_EQ(ParseAggregation("median").status().message(), "agg: expected avg, max, min, sum or p95, got \"median\"");
  EXPECT_FALSE(ParseAggregateOver("all").ok());
}

TEST(SeriesStore, MemoryIsBoundedByMaxSeries) {
  SeriesStoreOptions o{.resolution = seconds(10), .retention = hours(24), .max_series = 50};
  SeriesStore store(o);
  EXPECT_EQ(store.slots(), 8640u);
  EXPECT_EQ(store.MemoryBound(), 50u * (8640 * 4 + kSeriesOverheadBytes));
  // The longest names allowed, so the strings' heap blocks count too.
  const std::string metric(64, 'm');
  for (int h = 0; h < 10; ++h) {
    std::string host = std::string(250, 'h') + std::to_string(h);
    for (int m = 0; m < 5; ++m) {
      ASSERT_TRUE(store.Append(host, std::string(63, 'g'), metric.substr(0, 60) + std::to_string(m), kT0, 1).ok());
    }
  }
  EXPECT_EQ(store.series_count(), 50u);
  EXPECT_LE(store.MemoryBytes(), store.MemoryBound());
  EXPECT_GE(store.MemoryBytes(), 50u * 8640 * 4);
  Status full = store.Append("another", "", "m", kT0, 1);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("metrics.max_series"), std::string::npos);
  // Existing series still take points.
  EXPECT_TRUE(store.Append(std::string(250, 'h') + "0", "", metric.substr(0, 60) + "0", kT0 + 10'000, 2).ok());
}

TEST(EmbeddedMetricsSource, AnswersInstantQueries) {
  SeriesStore store;
  FakeClock clock{WallTime(std::chrono::milliseconds(kT0))};
  ASSERT_TRUE(store.Append("web-1", "web", "cpu_busy_percent", kT0 - 10'000, 30).ok());
  ASSERT_TRUE(store.Append("web-2", "web", "cpu_busy_percent", kT0, 50).ok());
  EmbeddedMetricsSource source(store, clock);
  MetricQuery q{.metric = "cpu_busy_percent", .group = "web"};
  auto v = source.Instant(q);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_DOUBLE_EQ(*v, 40);
  clock.Advance(minutes(10));
  EXPECT_EQ(source.Instant(q).status().code(), StatusCode::kNotFound);
  q.promql = "avg(up)";
  EXPECT_EQ(source.Instant(q).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DescribeQuery({.metric = "load1", .group = "web"}), "avg(load1{group=web}[300s])");
}

}  // namespace
}  // namespace kelola::metrics
