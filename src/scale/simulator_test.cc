#include "scale/simulator.h"

#include <gtest/gtest.h>

#include "scale/simulation_plot.h"

namespace kelola {
namespace {

ScalingPolicySpec Policy(const std::string& spec_json, const std::string& name = "p") {
  auto p = DecodeScalingPolicySpec(name, spec_json);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : ScalingPolicySpec{};
}

LoadTrace Trace(std::vector<double> per_minute) { return {WallTime(std::chrono::seconds(0)), std::move(per_minute)}; }

// Flat load: the group settles at ceil(load / (capacity × target)) and stays.
TEST(SimulatorTest, SteadyLoadSettles) {
  LoadTrace t = Trace(std::vector<double>(120, 1000));
  CapacityModel m;
  m.capacity_per_host = 100;
  m.boot_seconds = 60;
  m.initial_hosts = 2;
  PolicySet set{"u50",
                {Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"utilization","target":0.5}})")}};
  auto r = Simulate(t, set, m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->hosts.back(), 20);  // 1000 / (100 × 0.5)
  EXPECT_EQ(r->flaps, 0);
  EXPECT_GT(r->minutes_overloaded, 0);  // 2 hosts for 1000 req/min until the new ones boot
  EXPECT_LT(r->minutes_overloaded, 10);
  EXPECT_NEAR(r->capacity.back(), 2000, 1e-9);
  // Host-hours: the last hour alone holds 20 hosts.
  EXPECT_GT(r->host_hours, 20.0);
  EXPECT_LT(r->host_hours, 40.0);
}

// The simulator runs the autoscaler's own code: a step up and back down
// follows the HPA's rates and its 300 s scale-down window.
TEST(SimulatorTest, StepUpAndDownFollowsTheBehavior) {
  std::vector<double> load(30, 100);
  load.resize(60, 1000);
  load.resize(120, 100);
  CapacityModel m;
  m.capacity_per_host = 100;
  m.boot_seconds = 0;
  m.initial_hosts = 2;
  PolicySet set{
      "cpu50",
      {Policy(R"({"group":"web","minHosts":2,"maxHosts":100,"targetTracking":{"metric":"cpu","target":50}})")}};
  auto r = Simulate(Trace(load), set, m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->hosts[29], 2);
  EXPECT_EQ(r->hosts[59], 20);
  // The drop at minute 60 waits the 300 s window before scaling in.
  EXPECT_EQ(r->hosts[63], 20);
  EXPECT_EQ(r->hosts[119], 2);
  EXPECT_EQ(r->flaps, 0);
  EXPECT_GE(r->scaling_actions, 3);
}

TEST(SimulatorTest, FlapsAreCounted) {
  // Load alternating every 2 minutes with no stabilization: the count follows it.
  std::vector<double> load;
  for (int i = 0; i < 40; ++i) load.push_back((i / 2) % 2 ? 1000 : 200);
  CapacityModel m;
  m.capacity_per_host = 100;
  m.boot_seconds = 0;
  m.initial_hosts = 4;
  auto nervous = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"utilization","target":0.5},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}})");
  auto r = Simulate(Trace(load), {"nervous", {nervous}}, m);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->flaps, 15);
  // The HPA's default window absorbs it.
  auto calm = Simulate(Trace(load), HpaBaseline(nervous), m);
  ASSERT_TRUE(calm.ok());
  EXPECT_EQ(calm->flaps, 0);
}

TEST(SimulatorTest, BadInput) {
  LoadTrace t = Trace({1, 2, 3});
  CapacityModel m;
  auto mem = Policy(R"({"group":"web","maxHosts":5,"targetTracking":{"metric":"memory","target":50}})");
  auto r = Simulate(t, {"mem", {mem}}, m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "mem: policy p: metric \"memory\" is not one the simulator models (cpu, utilization, requests)");
  auto a = Policy(R"({"group":"web","maxHosts":5,"targetTracking":{"metric":"cpu","target":50}})", "a");
  auto b = Policy(R"({"group":"db","maxHosts":5,"targetTracking":{"metric":"cpu","target":50}})", "b");
  EXPECT_FALSE(Simulate(t, {"ab", {a, b}}, m).ok());
  m.capacity_per_host = 0;
  EXPECT_FALSE(Simulate(t, {"a", {a}}, m).ok());
  m.capacity_per_host = 10;
  m.interval_seconds = 7;
  EXPECT_FALSE(Simulate(t, {"a", {a}}, m).ok());
  m.interval_seconds = 15;
  EXPECT_FALSE(Simulate(Trace({}), {"a", {a}}, m).ok());
}

TEST(SimulatorTest, HpaBaselineCopiesBoundsAndTarget) {
  auto p = Policy(R"({"group":"web","minHosts":3,"maxHosts":40,"warmupSeconds":60,
    "targetTracking":{"metric":"cpu","target":65,"tolerance":0.2}})");
  PolicySet b = HpaBaseline(p);
  ASSERT_EQ(b.policies.size(), 1u);
  EXPECT_EQ(b.policies[0].min_hosts, 3);
  EXPECT_EQ(b.policies[0].max_hosts, 40);
  EXPECT_EQ(b.policies[0].target_tracking->target, 65);
  EXPECT_EQ(b.policies[0].target_tracking->tolerance, 0.1);
  EXPECT_EQ(b.policies[0].warmup_seconds, 0);
  auto sched = Policy(R"({"group":"web","maxHosts":9,"scheduled":[{"cron":"* * * * *","min":2}]})");
  EXPECT_EQ(HpaBaseline(sched).policies[0].target_tracking->metric, "cpu");
  EXPECT_EQ(HpaBaseline(sched).policies[0].target_tracking->target, 80);
}

TEST(SimulatorTest, PlotIsAnSvgWithOneLinePerSeries) {
  LoadTrace t = Trace(std::vector<double>(3000, 500));
  CapacityModel m;
  auto p = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"cpu","target":50}})", "a<b");
  auto r = Simulate(t, {"a<b", {p}}, m);
  ASSERT_TRUE(r.ok());
  std::string svg = RenderSimulationSvg(t, 1.0, {*r}, 0, 3000);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  size_t lines = 0;
  for (size_t pos = 0; (pos = svg.find("<polyline", pos)) != std::string::npos; ++pos) ++lines;
  EXPECT_EQ(lines, 3u);  // load, capacity, hosts
  EXPECT_NE(svg.find("a&lt;b capacity"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
}

}  // namespace
}  // namespace kelola
