#include "autoscale/host_metric_names.h"

#include <gtest/gtest.h>

#include <set>

#include "agent/host_metrics.h"

namespace kelola {
namespace {

// The real sampler on this machine's /proc: every series it sends is one a
// policy may name, and every name in the list is sent (rates from the
// second reading on).
TEST(HostMetricNamesTest, AreExactlyWhatTheAgentsSamplerSends) {
  HostMetricsSampler sampler("/proc", {"/"});
  const MonoTime t0 = SystemClock().Monotonic();
  (void)sampler.Sample(t0);
  HostReading r = sampler.Sample(t0 + std::chrono::seconds(1));
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  std::set<std::string> sent;
  for (const auto& [name, value] : r.values) {
    EXPECT_TRUE(IsHostMetricName(name)) << name;
    sent.insert(name);
  }
  for (std::string_view n : kHostMetricNames) EXPECT_TRUE(sent.count(std::string(n))) << n;
  EXPECT_FALSE(IsHostMetricName("cpu"));
  EXPECT_NE(HostMetricNameList().find("cpu_busy_percent, load1"), std::string::npos);
}

}  // namespace
}  // namespace kelola
