#include "base/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace kelola {
namespace {

TEST(MetricsRegistryTest, EmptyRegistryRendersNothing) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.RenderText(), "");
}

TEST(MetricsRegistryTest, UnlabelledCounterRendersFromZero) {
  MetricsRegistry registry;
  auto& c = registry.AddCounter("jobs_total", "Jobs run.");
  EXPECT_EQ(registry.RenderText(),
            "# HELP jobs_total Jobs run.\n"
            "# TYPE jobs_total counter\n"
            "jobs_total 0\n");
  c.Get().Inc();
  c.Get().Inc(2.5);
  EXPECT_EQ(c.Get().Value(), 3.5);
  EXPECT_EQ(registry.RenderText(),
            "# HELP jobs_total Jobs run.\n"
            "# TYPE jobs_total counter\n"
            "jobs_total 3.5\n");
}

TEST(MetricsRegistryTest, LabelledCounterChildrenSortedByLabelValues) {
  MetricsRegistry registry;
  auto& requests = registry.AddCounter("http_requests_total", "HTTP requests served.", {"method", "code"});
  EXPECT_EQ(registry.RenderText(),
            "# HELP http_requests_total HTTP requests served.\n"
            "# TYPE http_requests_total counter\n");
  requests.WithLabels({"POST", "201"}).Inc();
  requests.WithLabels({"GET", "200"}).Inc(3);
  requests.WithLabels({"GET", "200"}).Inc();
  requests.WithLabels(std::vector<std::string>{"GET", "404"}).Inc();
  EXPECT_EQ(registry.RenderText(),
            "# HELP http_requests_total HTTP requests served.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{method=\"GET\",code=\"200\"} 4\n"
            "http_requests_total{method=\"GET\",code=\"404\"} 1\n"
            "http_requests_total{method=\"POST\",code=\"201\"} 1\n");
}

TEST(MetricsRegistryTest, ChildReferencesAreStable) {
  MetricsRegistry registry;
  auto& family = registry.AddGauge("queue_depth", "Items queued.", {"queue"});
  Gauge& a = family.WithLabels({"a"});
  for (int i = 0; i < 100; ++i) family.WithLabels({std::to_string(i)});
  EXPECT_EQ(&a, &family.WithLabels({"a"}));
}

TEST(MetricsRegistryTest, GaugeSetIncDec) {
  MetricsRegistry registry;
  Gauge& g = registry.AddGauge("agents_connected", "Connected agents.").Get();
  g.Set(10);
  g.Inc();
  g.Dec(3);
  g.Inc(0.5);
  EXPECT_EQ(g.Value(), 8.5);
  g.Dec(10);
  EXPECT_EQ(registry.RenderText(),
            "# HELP agents_connected Connected agents.\n"
            "# TYPE agents_connected gauge\n"
            "agents_connected -1.5\n");
}

TEST(MetricsRegistryTest, FamiliesSortedByName) {
  MetricsRegistry registry;
  registry.AddGauge("zeta", "z");
  registry.AddCounter("alpha_total", "a");
  registry.AddGauge("mid:rate", "m");
  EXPECT_EQ(registry.RenderText(),
            "# HELP alpha_total a\n# TYPE alpha_total counter\nalpha_total 0\n"
            "# HELP mid:rate m\n# TYPE mid:rate gauge\nmid:rate 0\n"
            "# HELP zeta z\n# TYPE zeta gauge\nzeta 0\n");
}

TEST(MetricsRegistryTest, EscapesHelpAndLabelValues) {
  MetricsRegistry registry;
  auto& family = registry.AddCounter("odd_total", "Back\\slash and\nnewline \"quoted\".", {"v"});
  family.WithLabels({"a\\b \"c\"\nd"}).Inc();
  EXPECT_EQ(registry.RenderText(),
            "# HELP odd_total Back\\\\slash and\\nnewline \"quoted\".\n"
            "# TYPE odd_total counter\n"
            "odd_total{v=\"a\\\\b \\\"c\\\"\\nd\"} 1\n");
}

TEST(MetricsRegistryTest, HistogramRendersCumulativeBucketsSumCount) {
  MetricsRegistry registry;
  auto& h = registry.AddHistogram("request_seconds", "Request latency.", {"route"}, {0.1, 0.5, 1});
  Histogram& api = h.WithLabels({"/v1"});
  api.Observe(0.05);
  api.Observe(0.1);  // bounds are inclusive
  api.Observe(0.3);
  api.Observe(7);
  EXPECT_EQ(registry.RenderText(),
            "# HELP request_seconds Request latency.\n"
            "# TYPE request_seconds histogram\n"
            "request_seconds_bucket{route=\"/v1\",le=\"0.1\"} 2\n"
            "request_seconds_bucket{route=\"/v1\",le=\"0.5\"} 3\n"
            "request_seconds_bucket{route=\"/v1\",le=\"1\"} 3\n"
            "request_seconds_bucket{route=\"/v1\",le=\"+Inf\"} 4\n"
            "request_seconds_sum{route=\"/v1\"} 7.45\n"
            "request_seconds_count{route=\"/v1\"} 4\n");
  auto snapshot = api.Read();
  EXPECT_EQ(snapshot.count, 4u);
  EXPECT_EQ(snapshot.cumulative, (std::vector<uint64_t>{2, 3, 3, 4}));
}

TEST(MetricsRegistryTest, UnlabelledHistogramWithDefaultBuckets) {
  MetricsRegistry registry;
  registry.AddHistogram("build_seconds", "Build time.").Get().Observe(3);
  EXPECT_EQ(registry.RenderText(),
            "# HELP build_seconds Build time.\n"
            "# TYPE build_seconds histogram\n"
            "build_seconds_bucket{le=\"0.005\"} 0\n"
            "build_seconds_bucket{le=\"0.01\"} 0\n"
            "build_seconds_bucket{le=\"0.025\"} 0\n"
            "build_seconds_bucket{le=\"0.05\"} 0\n"
            "build_seconds_bucket{le=\"0.1\"} 0\n"
            "build_seconds_bucket{le=\"0.25\"} 0\n"
            "build_seconds_bucket{le=\"0.5\"} 0\n"
            "build_seconds_bucket{le=\"1\"} 0\n"
            "build_seconds_bucket{le=\"2.5\"} 0\n"
            "build_seconds_bucket{le=\"5\"} 1\n"
            "build_seconds_bucket{le=\"10\"} 1\n"
            "build_seconds_bucket{le=\"+Inf\"} 1\n"
            "build_seconds_sum 3\n"
            "build_seconds_count 1\n");
}

TEST(MetricsRegistryTest, SpecialValuesUsePrometheusSpelling) {
  MetricsRegistry registry;
  auto& g = registry.AddGauge("g", "h", {"k"});
  g.WithLabels({"inf"}).Set(std::numeric_limits<double>::infinity());
  g.WithLabels({"nan"}).Set(std::nan(""));
  g.WithLabels({"ninf"}).Set(-std::numeric_limits<double>::infinity());
  g.WithLabels({"big"}).Set(1e21);
  EXPECT_EQ(registry.RenderText(),
            "# HELP g h\n# TYPE g gauge\n"
            "g{k=\"big\"} 1e+21\n"
            "g{k=\"inf\"} +Inf\n"
            "g{k=\"nan\"} NaN\n"
            "g{k=\"ninf\"} -Inf\n");
}

TEST(MetricsRegistryTest, RedeclaringTheSameFamilyReturnsIt) {
  MetricsRegistry registry;
  auto& a = registry.AddCounter("x_total", "X.", {"l"});
  auto& b = registry.AddCounter("x_total", "X.", {"l"});
  EXPECT_EQ(&a, &b);
}

TEST(MetricsRegistryTest, BucketHelpers) {
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_EQ(LinearBuckets(0.5, 0.5, 3), (std::vector<double>{0.5, 1, 1.5}));
  EXPECT_EQ(DefaultHistogramBuckets().size(), 11u);
}

TEST(MetricNamesTest, Validation) {
  EXPECT_TRUE(IsValidMetricName("http_requests_total"));
  EXPECT_TRUE(IsValidMetricName(":recording:rule"));
  EXPECT_TRUE(IsValidMetricName("_x9"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName("has-dash"));
  EXPECT_FALSE(IsValidMetricName("dotted.name"));
  EXPECT_TRUE(IsValidLabelName("method"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("1a"));
}

using MetricsDeathTest = ::testing::Test;

TEST_F(MetricsDeathTest, ProgrammerErrorsAbortWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH({ MetricsRegistry().AddCounter("bad-name", "h"); }, "invalid metric name");
  EXPECT_DEATH({ MetricsRegistry().AddCounter("c", "h", {"__x"}); }, "invalid label name");
  EXPECT_DEATH({ MetricsRegistry().AddCounter("c", "h", {"a", "a"}); }, "duplicate label name");
  EXPECT_DEATH({ MetricsRegistry().AddHistogram("h", "h", {"le"}); }, "reserved");
  EXPECT_DEATH({ MetricsRegistry().AddHistogram("h", "h", {}, {1, 1}); }, "strictly increasing");
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.AddCounter("c", "h", {"a"}).WithLabels({"1", "2"});
      },
      "2 label values given for 1 label names");
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.AddCounter("c", "h");
        r.AddGauge("c", "h");
      },
      "redeclared");
  EXPECT_DEATH({ MetricsRegistry().AddCounter("c", "h").Get().Inc(-1); }, "must be >= 0");
}

TEST(MetricsConcurrencyTest, ConcurrentUpdatesAreNotLost) {
  MetricsRegistry registry;
  auto& counter = registry.AddCounter("ops_total", "Ops.", {"worker"});
  auto& hist = registry.AddHistogram("op_seconds", "Op time.", {}, {1, 2});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        counter.WithLabels({std::to_string(i % 3)}).Inc();
        hist.Get().Observe(t % 2 == 0 ? 0.5 : 1.5);
        if (i % 1000 == 0) (void)registry.RenderText();
      }
    });
  }
  for (auto& th : threads) th.join();
  double total = 0;
  for (int w = 0; w < 3; ++w) total += counter.WithLabels({std::to_string(w)}).Value();
  EXPECT_EQ(total, kThreads * kPerThread);
  auto snapshot = hist.Get().Read();
  EXPECT_EQ(snapshot.count, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(snapshot.cumulative[0], static_cast<uint64_t>(kThreads / 2 * kPerThread));
  EXPECT_EQ(snapshot.sum, 0.5 * 2 * kPerThread + 1.5 * 2 * kPerThread);
}

}  // namespace
}  // namespace kelola
