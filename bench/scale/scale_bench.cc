// Autoscaler cost (issue #9): one evaluation interval of 1,000 policies, each
// over a group of 1,000 hosts with a per-host metric sample (1,000,000
// samples), and the simulator replaying a month of per-minute load.
//   cmake --build build/release --target kelola_scale_bench
//   build/release/bench/kelola_scale_bench [trace.csv]
// Reports process CPU time (CLOCK_PROCESS_CPUTIME_ID). bench/README.md.
#include <time.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "scale/autoscaler.h"
#include "scale/simulator.h"

using namespace kelola;

namespace {

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

ScalingPolicySpec MakePolicy(int i) {
  const std::string spec =
      i % 2 == 0
          ? R"({"group":"g","minHosts":10,"maxHosts":5000,"warmupSeconds":120,"targetTracking":{"metric":"cpu","target":60}})"
          : R"({"group":"g","minHosts":10,"maxHosts":5000,"stepScaling":{"metric":"cpu","steps":[{"upper":30,"adjustment":-1},{"lower":70,"adjustment":"20%"}]}})";
  auto p = DecodeScalingPolicySpec("p" + std::to_string(i), spec);
  if (!p.ok()) std::abort();
  return *p;
}

}  // namespace

int main(int argc, char** argv) {
  // 1. One interval: 1,000 policies × 1,000 hosts.
  const int kPolicies = 1000, kHosts = 1000;
  const WallTime now = WallTime(std::chrono::seconds(1'800'000'000));
  // One group per policy; the vectors are built once, as the controller keeps them.
  std::vector<std::vector<ScalingPolicySpec>> policies;
  std::vector<GroupObservation> groups;
  std::vector<std::vector<MetricReading>> readings;
  std::vector<ScalingHistory> histories(kPolicies);
  for (int i = 0; i < kPolicies; ++i) {
    policies.push_back({MakePolicy(i)});
    GroupObservation g{"g" + std::to_string(i), kHosts, {}};
    MetricReading r;
    r.per_host = true;
    for (int h = 0; h < kHosts; ++h) {
      // A few hosts warming, a few without samples, loads around the target.
      g.hosts.push_back({"h" + std::to_string(h), h % 97 == 0 ? now : now - std::chrono::hours(1)});
      r.host_values.push_back(h % 101 == 0 ? std::nullopt : std::optional<double>(50 + (h * 37 + i) % 50));
    }
    groups.push_back(std::move(g));
    readings.push_back({std::move(r)});
  }
  const int kRounds = 20;
  double best = 1e9;
  long changes = 0;
  for (int round = 0; round < kRounds; ++round) {
    const double t0 = CpuSeconds();
    for (int i = 0; i < kPolicies; ++i) {
      ScalingDecision d =
          Decide(policies[i], groups[i], readings[i], now + std::chrono::seconds(15 * round), histories[i]);
      changes += d.desired != d.current;
    }
    best = std::min(best, CpuSeconds() - t0);
  }
  std::printf("decide: %d policies x %d hosts per interval: best %.1f ms CPU over %d rounds (%ld changes)\n", kPolicies,
              kHosts, best * 1e3, kRounds, changes);

  // 2. The simulator over a month (43,200 minutes) of load.
  LoadTrace trace;
  trace.start = WallTime(std::chrono::seconds(0));
  if (argc > 1) {
    std::ifstream f(argv[1]);
    std::stringstream ss;
    ss << f.rdbuf();
    auto t = ParseLoadTrace(ss.str(), argv[1], trace.start);
    if (!t.ok()) {
      std::fprintf(stderr, "%s\n", t.status().ToString().c_str());
      return 2;
    }
    trace = std::move(*t);
  } else {
    for (int m = 0; m < 43200; ++m) trace.requests.push_back(50 + 40 * std::sin(m * 2 * M_PI / 1440.0));
  }
  if (trace.requests.size() > 43200) trace.requests.resize(43200);
  CapacityModel model;
  model.capacity_per_host = 5;
  model.boot_seconds = 120;
  auto p = DecodeScalingPolicySpec("tt", R"({"group":"web","minHosts":2,"maxHosts":200,"warmupSeconds":60,
    "targetTracking":{"metric":"cpu","target":60}})");
  if (!p.ok()) return 1;
  const double t0 = CpuSeconds();
  auto r = Simulate(trace, {"tt", {*p}}, model);
  const double sim = CpuSeconds() - t0;
  if (!r.ok()) return 1;
  std::printf("simulate: %zu minutes at %d s intervals (%zu decisions): %.3f s CPU; %.1f host-hours, %d actions\n",
              trace.requests.size(), model.interval_seconds, trace.requests.size() * 60 / model.interval_seconds, sim,
              r->host_hours, r->scaling_actions);
  return 0;
}
