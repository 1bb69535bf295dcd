#include "scale/autoscaler.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

ScalingPolicySpec Policy(const std::string& spec_json, const std::string& name = "p") {
  auto p = DecodeScalingPolicySpec(name, spec_json);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : ScalingPolicySpec{};
}

// A group of `n` hosts, all Ready since long ago.
GroupObservation Group(int n, WallTime now) {
  GroupObservation g{"web", n, {}};
  for (int i = 0; i < n; ++i) g.hosts.push_back({"web-" + std::to_string(i + 1), now - std::chrono::hours(1)});
  return g;
}

MetricReading PerHost(std::vector<std::optional<double>> values) { return {OkStatus(), true, std::move(values), 0}; }
MetricReading Same(int n, double v) { return PerHost(std::vector<std::optional<double>>(n, v)); }

// One evaluation; applies the decision to the group like the controller does.
ScalingDecision Step(const std::vector<ScalingPolicySpec>& ps, GroupObservation& g, const MetricReading& r,
                     FakeClock& clock, ScalingHistory& h) {
  std::vector<MetricReading> readings(ps.size(), r);
  ScalingDecision d = Decide(ps, g, readings, clock.Now(), h);
  if (d.desired != g.current) {
    h.RecordScale(clock.Now(), g.current, d.desired);
    while (static_cast<int>(g.hosts.size()) < d.desired) g.hosts.push_back({"new", clock.Now()});
    g.hosts.resize(d.desired);
    g.current = d.desired;
  }
  return d;
}

const char* kCpu60 = R"({"group":"web","minHosts":1,"maxHosts":100,
  "targetTracking":{"metric":"cpu","target":60}})";

// The HPA's documented arithmetic: desired = ceil(current × value / target).
TEST(AutoscalerTest, ProportionalFormulaTable) {
  struct Case {
    int hosts;
    double value;
    double target;
    int want;
  };
  const Case cases[] = {
      {1, 200, 100, 2},  // "200m vs 100m: the number of replicas will be doubled"
      {3, 200, 100, 6},  //
      {4, 82, 60, 6},    // ceil(4 × 82 / 60) = ceil(5.47)
      {10, 65, 60, 10},  // 65/60 = 1.083: within the 0.1 tolerance
      {10, 67, 60, 12},  // 1.117: outside
      {10, 55, 60, 10},  // 0.917: within
      {2, 600, 60, 20},  // the raw recommendation; the scale-up rate limits the step (below)
  };
  FakeClock clock;
  for (const auto& c : cases) {
    ScalingHistory h;
    auto p = Policy(R"({"group":"web","minHosts":1,"maxHosts":100,"targetTracking":{"metric":"cpu","target":)" +
                    std::to_string(c.target) + "}}");
    GroupObservation g = Group(c.hosts, clock.Now());
    ScalingDecision d = Decide({p}, g, {Same(c.hosts, c.value)}, clock.Now(), h);
    EXPECT_EQ(d.policies[0].raw, c.want) << c.hosts << " hosts at " << c.value << "/" << c.target;
  }
}

TEST(AutoscalerTest, ExplanationShowsFormula) {
  FakeClock clock;
  ScalingHistory h;
  GroupObservation g = Group(4, clock.Now());
  ScalingDecision d = Decide({Policy(kCpu60, "cpu")}, g, {Same(4, 82)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 6);
  EXPECT_EQ(d.policies[0].formula, "ceil(4 × 82.0 / 60.0) = 6");
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kNone);
  EXPECT_EQ(d.deciding_policy, "cpu");
  EXPECT_NE(d.Explain().find("web: 4 -> 6 hosts (policy cpu)"), std::string::npos) << d.Explain();
}

TEST(AutoscalerTest, ToleranceHolds) {
  FakeClock clock;
  ScalingHistory h;
  GroupObservation g = Group(10, clock.Now());
  auto p = Policy(R"({"group":"web","maxHosts":50,"targetTracking":{"metric":"cpu","target":50,"tolerance":0.2}})");
  ScalingDecision d = Decide({p}, g, {Same(10, 59)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 10);
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kTolerance);
  d = Decide({p}, g, {Same(10, 61)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 13);  // ceil(10 × 61 / 50)
}

// The HPA's default scale-up rate: max(100 %, 4 pods) per 15 s.
TEST(AutoscalerTest, DefaultScaleUpRate) {
  FakeClock clock;
  ScalingHistory h;
  GroupObservation g = Group(1, clock.Now());
  auto p = Policy(kCpu60);
  std::vector<int> counts;
  for (int i = 0; i < 4; ++i) {
    // Load that needs 40 hosts: 40 × 60 spread over the current hosts.
    ScalingDecision d = Step({p}, g, Same(g.current, 40.0 * 60 / g.current), clock, h);
    counts.push_back(g.current);
    if (i == 0) {
      EXPECT_EQ(d.policies[0].limit, ScalingLimit::kRatePolicy);
      EXPECT_NE(d.policies[0].limit_detail.find("at most 5"), std::string::npos) << d.policies[0].limit_detail;
    }
    clock.Advance(std::chrono::seconds(15));
  }
  // 1 → max(2, 5) = 5 → max(10, 9) = 10 → 20 → 40.
  EXPECT_EQ(counts, (std::vector<int>{5, 10, 20, 40}));
}

// Within one period the change already made counts against the policy.
TEST(AutoscalerTest, RatePolicyCountsChangesInThePeriod) {
  FakeClock clock;
  ScalingHistory h;
  GroupObservation g = Group(10, clock.Now());
  auto p = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"cpu","target":50},
    "behavior":{"scaleUp":{"policies":[{"type":"Hosts","value":2,"periodSeconds":60}]}}})");
  Step({p}, g, Same(10, 100), clock, h);
  EXPECT_EQ(g.current, 12);
  clock.Advance(std::chrono::seconds(30));
  ScalingDecision d = Step({p}, g, Same(12, 100), clock, h);
  EXPECT_EQ(g.current, 12);  // 2 already added in the last 60 s
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kRatePolicy);
  clock.Advance(std::chrono::seconds(31));
  Step({p}, g, Same(12, 100), clock, h);
  EXPECT_EQ(g.current, 14);
}

// The HPA documentation's example: scale-down policies of 4 pods and 10 % per
// 60 s, selectPolicy Max (the biggest change): 80 → 72 → 64 → ..., and the
// 4-pod policy takes over below 40.
TEST(AutoscalerTest, DocumentedScaleDownPolicies) {
  FakeClock clock;
  ScalingHistory h;
  GroupObservation g = Group(80, clock.Now());
  auto p = Policy(R"({"group":"web","minHosts":1,"maxHosts":100,"targetTracking":{"metric":"cpu","target":80},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0,"policies":[
      {"type":"Pods","value":4,"periodSeconds":60},{"type":"Percent","value":10,"periodSeconds":60}]}}})");
  std::vector<int> counts;
  for (int i = 0; i < 12 && g.current > 10; ++i) {
    Step({p}, g, Same(g.current, 10.0 * 80 / g.current), clock, h);  // load for 10 hosts
    counts.push_back(g.current);
    clock.Advance(std::chrono::seconds(60));
  }
  EXPECT_EQ(counts, (std::vector<int>{72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16}));
}

TEST(AutoscalerTest, SelectPolicyMinAndDisabled) {
  FakeClock clock;
  auto base = std::string(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"cpu","target":80},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0,"selectPolicy":")");
  auto rules = R"(","policies":[{"type":"Pods","value":4,"periodSeconds":60},
      {"type":"Percent","value":10,"periodSeconds":60}]}}})";
  {
    ScalingHistory h;
    GroupObservation g = Group(80, clock.Now());
    Step({Policy(base + "Min" + rules)}, g, Same(80, 10), clock, h);
    EXPECT_EQ(g.current, 76);  // the smallest change: 4 pods
  }
  {
    ScalingHistory h;
    GroupObservation g = Group(80, clock.Now());
    ScalingDecision d = Step({Policy(base + "Disabled" + rules)}, g, Same(80, 10), clock, h);
    EXPECT_EQ(g.current, 80);
    EXPECT_EQ(d.policies[0].limit, ScalingLimit::kRatePolicy);
  }
}

// Scale-down stabilization: the highest recommendation of the last 300 s.
TEST(AutoscalerTest, ScaleDownStabilizationWindow) {
  FakeClock clock;
  ScalingHistory h;
  GroupObservation g = Group(4, clock.Now());
  auto p = Policy(kCpu60);
  // The load halves: the recommendation is 2 at once, the count stays 4 for 300 s.
  int t = 0;
  for (; t <= 600; t += 15) {
    ScalingDecision d = Step({p}, g, Same(g.current, 2.0 * 60 / g.current), clock, h);
    if (g.current == 2) break;
    EXPECT_EQ(d.policies[0].raw, 2);
    EXPECT_EQ(d.policies[0].limit, ScalingLimit::kStabilization) << t;
    clock.Advance(std::chrono::seconds(15));
  }
  EXPECT_EQ(g.current, 2);
  EXPECT_EQ(t, 300);  // the seeded 4 of t=0 leaves the window (cutoff is exclusive)
}

// Scale-up stabilization: the lowest recommendation of the window.
TEST(AutoscalerTest, ScaleUpStabilizationWindow) {
  FakeClock clock;
  ScalingHistory h;
  GroupObservation g = Group(4, clock.Now());
  auto p = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"cpu","target":50},
    "behavior":{"scaleUp":{"stabilizationWindowSeconds":60}}})");
  Step({p}, g, Same(4, 50), clock, h);  // recommendation 4
  clock.Advance(std::chrono::seconds(30));
  ScalingDecision d = Step({p}, g, Same(4, 100), clock, h);  // 8 wanted, 4 in the window
  EXPECT_EQ(g.current, 4);
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kStabilization);
  clock.Advance(std::chrono::seconds(31));
  Step({p}, g, Same(4, 100), clock, h);
  EXPECT_EQ(g.current, 8);
}

TEST(AutoscalerTest, MinMaxClipping) {
  FakeClock clock;
  auto p = Policy(R"({"group":"web","minHosts":3,"maxHosts":8,"targetTracking":{"metric":"cpu","target":50},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}})");
  {
    ScalingHistory h;
    GroupObservation g = Group(5, clock.Now());
    ScalingDecision d = Step({p}, g, Same(5, 100), clock, h);
    EXPECT_EQ(g.current, 8);
    EXPECT_EQ(d.policies[0].limit, ScalingLimit::kMax);
  }
  {
    ScalingHistory h;
    GroupObservation g = Group(5, clock.Now());
    ScalingDecision d = Step({p}, g, Same(5, 5), clock, h);
    EXPECT_EQ(g.current, 3);
    EXPECT_EQ(d.policies[0].limit, ScalingLimit::kMin);
  }
  {
    ScalingHistory h;  // already outside the bounds: straight to the bound
    GroupObservation g = Group(12, clock.Now());
    ScalingDecision d = Step({p}, g, Same(12, 50), clock, h);
    EXPECT_EQ(g.current, 8);
    EXPECT_EQ(d.policies[0].limit, ScalingLimit::kMax);
  }
}

// Warm-up: hosts Ready for less than warmupSeconds are the HPA's unready pods:
// ignored on scale-in, counted as idle on scale-out.
TEST(AutoscalerTest, WarmingHostsAreIgnored) {
  FakeClock clock;
  ScalingHistory h;
  auto p = Policy(R"({"group":"web","maxHosts":100,"warmupSeconds":120,
    "targetTracking":{"metric":"cpu","target":50}})");
  GroupObservation g = Group(4, clock.Now());
  g.hosts[2].ready_since = clock.Now() - std::chrono::seconds(60);  // warming
  g.hosts[3].ready_since.reset();                                   // booting
  // Warm hosts at 100 (their warm-up spike on the new hosts is not counted):
  // 2 warm at 100, 2 warming as 0 → average 50 over 4 = ratio 1.0: hold.
  ScalingDecision d = Decide({p}, g, {PerHost({100, 100, 99, std::nullopt})}, clock.Now(), h);
  EXPECT_EQ(d.policies[0].hosts_counted, 2);
  EXPECT_EQ(d.policies[0].hosts_warming, 2);
  EXPECT_EQ(d.desired, 4);
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kTolerance);
  // Hotter: 2 at 150 + 2 at 0 → 75 / 50 × 4 = 6.
  d = Decide({p}, g, {PerHost({150, 150, 5, std::nullopt})}, clock.Now(), h);
  EXPECT_EQ(d.desired, 6);
  EXPECT_NE(d.policies[0].formula.find("2 warming at 0"), std::string::npos) << d.policies[0].formula;
}

// Missing samples: at the target on scale-in, 0 on scale-out (the HPA's rule).
TEST(AutoscalerTest, MissingSamples) {
  FakeClock clock;
  auto p = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"cpu","target":50},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}})");
  ScalingHistory h;
  GroupObservation g = Group(4, clock.Now());
  // Scale-in: 3 at 10, 1 missing taken as 50 → avg 20 → ceil(4 × 0.4) = 2.
  ScalingDecision d = Decide({p}, g, {PerHost({10, 10, 10, std::nullopt})}, clock.Now(), h);
  EXPECT_EQ(d.policies[0].raw, 2);
  EXPECT_EQ(d.policies[0].hosts_missing, 1);
  // Scale-out: 3 at 60, 1 missing taken as 0 → avg 45 → ratio 0.9 reverses: hold.
  d = Decide({p}, g, {PerHost({60, 60, 60, std::nullopt})}, clock.Now(), h);
  EXPECT_EQ(d.policies[0].raw, 4);
}

// Several policies: out if any says out, in only if all agree.
TEST(AutoscalerTest, PoliciesCombineByMax) {
  FakeClock clock;
  auto cpu = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"cpu","target":50},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}})",
                    "cpu");
  auto rps = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"rps","target":100},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}})",
                    "rps");
  ScalingHistory h;
  GroupObservation g = Group(10, clock.Now());
  // cpu wants 4, rps wants 15 → 15.
  ScalingDecision d = Decide({cpu, rps}, g, {Same(10, 20), Same(10, 150)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 15);
  EXPECT_EQ(d.deciding_policy, "rps");
  // cpu wants 4, rps wants 8 → 8 (both want in; the larger wins).
  d = Decide({cpu, rps}, g, {Same(10, 20), Same(10, 80)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 8);
  // cpu wants 4, rps holds → 10.
  d = Decide({cpu, rps}, g, {Same(10, 20), Same(10, 100)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 10);
}

// Scheduled capacity: min/max replaced while the cron matches (UTC).
TEST(AutoscalerTest, ScheduledCapacity) {
  // 2023-11-13 is a Monday.
  FakeClock clock(WallTime(std::chrono::seconds(1'699'833'600)));  // 2023-11-13T00:00:00Z
  auto p = Policy(R"({"group":"web","minHosts":2,"maxHosts":20,"targetTracking":{"metric":"cpu","target":50},
    "scheduled":[{"cron":"* 8-17 * * mon-fri","min":10},{"cron":"0-29 3 * * *","desired":6}],
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}})");
  ScalingHistory h;
  GroupObservation g = Group(2, clock.Now());
  Step({p}, g, Same(2, 50), clock, h);
  EXPECT_EQ(g.current, 2);
  clock.Advance(std::chrono::hours(3) + std::chrono::minutes(10));  // 03:10: desired 6 as a floor
  ScalingDecision d = Step({p}, g, Same(2, 50), clock, h);
  EXPECT_EQ(g.current, 6);
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kSchedule);
  clock.Advance(std::chrono::minutes(30));  // 03:40: over, back to the metric
  Step({p}, g, Same(6, 10), clock, h);
  EXPECT_EQ(g.current, 2);
  clock.Advance(std::chrono::hours(5));  // 08:40 Monday: min 10 at once
  d = Step({p}, g, Same(2, 10), clock, h);
  EXPECT_EQ(g.current, 10);
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kMin);
  EXPECT_EQ(d.policies[0].active_schedules, (std::vector<std::string>{"* 8-17 * * mon-fri"}));
  clock.Advance(std::chrono::hours(10));  // 18:40: min back to 2
  Step({p}, g, Same(10, 10), clock, h);
  EXPECT_EQ(g.current, 2);
}

// A scheduled-only policy does not hold the group up outside its window.
TEST(AutoscalerTest, ScheduledOnlyPolicyAbstains) {
  FakeClock clock(WallTime(std::chrono::seconds(1'699'833'600)));  // Monday 00:00 UTC
  auto cpu = Policy(kCpu60, "cpu");
  auto sched = Policy(R"({"group":"web","minHosts":0,"maxHosts":100,
    "scheduled":[{"cron":"* 9-17 * * 1-5","min":20}]})",
                      "office");
  ScalingHistory h;
  GroupObservation g = Group(3, clock.Now());
  ScalingDecision d = Decide({cpu, sched}, g, {Same(3, 60), {}}, clock.Now(), h);
  EXPECT_EQ(d.desired, 3);
  clock.Advance(std::chrono::hours(9));
  d = Decide({cpu, sched}, g, {Same(3, 60), {}}, clock.Now(), h);
  EXPECT_EQ(d.desired, 20);
  EXPECT_EQ(d.deciding_policy, "office");
}

TEST(AutoscalerTest, FallbackWhenTheSourceFails) {
  FakeClock clock;
  auto hold = Policy(kCpu60, "hold");
  auto fixed = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"cpu","target":60},
    "fallback":{"desired":8}})",
                      "fixed");
  MetricReading failed{UnavailableError("prometheus: connection refused"), false, {}, 0};
  ScalingHistory h;
  GroupObservation g = Group(5, clock.Now());
  ScalingDecision d = Decide({hold}, g, {failed}, clock.Now(), h);
  EXPECT_EQ(d.desired, 5);
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kFallback);
  EXPECT_NE(d.policies[0].formula.find("connection refused"), std::string::npos);
  d = Decide({fixed}, g, {failed}, clock.Now(), h);
  EXPECT_EQ(d.desired, 8);
  EXPECT_EQ(d.policies[0].formula, "cpu unavailable (prometheus: connection refused): fallback desired 8");
  // "hold" with another healthy policy: scale-out allowed, scale-in blocked.
  auto other = Policy(R"({"group":"web","maxHosts":100,"targetTracking":{"metric":"rps","target":10},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}})",
                      "rps");
  d = Decide({hold, other}, g, {failed, Same(5, 20)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 10);
  d = Decide({hold, other}, g, {failed, Same(5, 2)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 5);
  // No warm host with a sample is a failed reading too.
  GroupObservation booting = Group(2, clock.Now());
  booting.hosts[0].ready_since.reset();
  booting.hosts[1].ready_since.reset();
  d = Decide({fixed}, booting, {Same(2, 90)}, clock.Now(), h);
  EXPECT_EQ(d.policies[0].raw, 8);
  EXPECT_EQ(d.desired, 6);  // the fallback goes through the scale-up rate: 2 → max(4, 2 + 4)
  EXPECT_EQ(d.policies[0].limit, ScalingLimit::kRatePolicy);
}

TEST(AutoscalerTest, StepScaling) {
  FakeClock clock;
  auto p = Policy(R"({"group":"web","maxHosts":100,"warmupSeconds":300,
    "stepScaling":{"metric":"cpu","steps":[{"upper":20,"adjustment":-1},{"lower":70,"upper":90,"adjustment":2},
      {"lower":90,"adjustment":"50%"}]},
    "behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}})");
  struct Case {
    int hosts;
    double value;
    int want;
  };
  const Case cases[] = {{10, 50, 10}, {10, 75, 12}, {10, 95, 15}, {10, 10, 9}, {1, 95, 2}, {3, 95, 4}};
  for (const auto& c : cases) {
    ScalingHistory h;
    GroupObservation g = Group(c.hosts, clock.Now());
    ScalingDecision d = Decide({p}, g, {Same(c.hosts, c.value)}, clock.Now(), h);
    EXPECT_EQ(d.desired, c.want) << c.hosts << " at " << c.value << ": " << d.policies[0].formula;
  }
  // Two hosts added by the last step are warming: the same breach adds nothing more.
  ScalingHistory h;
  GroupObservation g = Group(12, clock.Now());
  g.hosts[10].ready_since = clock.Now();
  g.hosts[11].ready_since = clock.Now();
  ScalingDecision d = Decide({p}, g, {Same(12, 75)}, clock.Now(), h);
  EXPECT_EQ(d.desired, 12) << d.policies[0].formula;
}

TEST(AutoscalerTest, GroupLevelReading) {
  FakeClock clock;
  ScalingHistory h;
  GroupObservation g = Group(4, clock.Now());
  MetricReading r{OkStatus(), false, {}, 90};
  ScalingDecision d = Decide({Policy(kCpu60)}, g, {r}, clock.Now(), h);
  EXPECT_EQ(d.desired, 6);
  EXPECT_EQ(d.policies[0].formula, "ceil(4 × 90.0 / 60.0) = 6");
}

class FixedReader : public MetricReader {
 public:
  int reads = 0;
  Result<MetricReading> Read(const std::string&, const std::string& metric,
                             const std::vector<ScalingHost>& hosts) override {
    ++reads;
    if (metric == "nope") return NotFoundError("unknown metric nope");
    return MetricReading{OkStatus(), true, std::vector<std::optional<double>>(hosts.size(), 30.0), 0};
  }
};

TEST(AutoscalerTest, ReadPolicyMetricsReadsEachMetricOnce) {
  FakeClock clock;
  FixedReader reader;
  auto a = Policy(kCpu60, "a");
  auto b = Policy(kCpu60, "b");
  auto c = Policy(R"({"group":"web","maxHosts":9,"targetTracking":{"metric":"nope","target":1}})", "c");
  GroupObservation g = Group(3, clock.Now());
  auto readings = ReadPolicyMetrics(reader, {a, b, c}, g);
  EXPECT_EQ(reader.reads, 2);
  ASSERT_EQ(readings.size(), 3u);
  EXPECT_TRUE(readings[1].status.ok());
  EXPECT_EQ(readings[1].host_values.size(), 3u);
  EXPECT_EQ(readings[2].status.code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kelola
