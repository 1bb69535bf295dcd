#include "autoscale/autoscaler_controller.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "autoscale/metric_readers.h"
#include "engine/controller_manager.h"
#include "fleet/fleet_host.h"
#include "metrics/series_store.h"
#include "store/store.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

constexpr const char* kPolicy = R"({"group":"web","minHosts":2,"maxHosts":6,
  "targetTracking":{"metric":"cpu_busy_percent","target":50},
  "behavior":{"scaleDown":{"stabilizationWindowSeconds":120}}})";

class AutoscalerControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(":memory:", clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    reader_ = std::make_unique<SeriesStoreReader>(series_, clock_, seconds(60));
    MakeController();
    PutGroup(2);
    AddHost("web-1", HostState::kReady);
    AddHost("web-2", HostState::kReady);
  }

  void MakeController(bool dry_run = false) {
    AutoscalerOptions o;
    o.clock = &clock_;
    o.reader = reader_.get();
    o.interval = seconds(15);
    o.dry_run = dry_run;
    controller_ = std::make_unique<AutoscalerController>(*store_, o);
  }

  void PutGroup(int count) {
    Resource r;
    r.kind = "ServerGroup";
    r.name = "web";
    r.spec_json = json{{"provider", "docker"}, {"image", "x"}, {"count", count}}.dump();
    if (auto old = store_->GetResource("ServerGroup", "web"); old.ok()) r.status_json = old->status_json;
    ASSERT_TRUE(store_->PutResource(r, {}).ok());
  }

  void PutPolicy(const std::string& name, const std::string& spec) {
    Resource r;
    r.kind = "ScalingPolicy";
    r.name = name;
    r.spec_json = json::parse(spec).dump();
    if (auto old = store_->GetResource("ScalingPolicy", name); old.ok()) r.status_json = old->status_json;
    ASSERT_TRUE(store_->PutResource(r, {}).ok());
    ASSERT_TRUE(controller_->Reconcile("ScalingPolicy/" + name).ok());
  }

  void AddHost(const std::string& name, HostState state) {
    Resource r;
    r.kind = "Host";
    r.name = name;
    r.labels = {{kFleetGroupLabel, "web"}};
    r.spec_json = R"({"address":"10.0.0.1"})";
    FleetHostStatus s;
    s.state = state;
    s.group = "web";
    s.since = clock_.Now() - seconds(600);
    if (state == HostState::kReady) s.ready_at = clock_.Now() - seconds(600);
    r.status_json = EncodeFleetHostStatus(s);
    ASSERT_TRUE(store_->PutResource(r, {}).ok());
  }

  void Cpu(const std::string& host, double value) {
    ASSERT_TRUE(series_.Append(host, "web", "cpu_busy_percent", UnixMillis(clock_.Now()), value).ok());
  }

  Result<ReconcileResult> Evaluate() { return controller_->Reconcile("ServerGroup/web"); }

  int Count() { return json::parse(store_->GetResource("ServerGroup", "web")->spec_json).value("count", -1); }

  std::vector<Event> Events(const std::string& type) {
    EventFilter f;
    f.type_prefix = type;
    return *store_->ListEvents(f);
  }

  json PolicyStatus(const std::string& name = "cpu") {
    return json::parse(store_->GetResource("ScalingPolicy", name)->status_json);
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
  metrics::SeriesStore series_;
  std::unique_ptr<SeriesStoreReader> reader_;
  std::unique_ptr<AutoscalerController> controller_;
};

TEST_F(AutoscalerControllerTest, ScalesOutOnHighCpuAndExplainsWhy) {
  PutPolicy("cpu", kPolicy);
  Cpu("web-1", 100);
  Cpu("web-2", 100);
  auto r = Evaluate();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->requeue_after, std::optional<Duration>(seconds(15)));
  EXPECT_EQ(Count(), 4);

  auto actions = Events("scale.action");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].subject, "ServerGroup/web");
  EXPECT_EQ(actions[0].actor, "autoscaler");
  json d = json::parse(actions[0].data_json);
  EXPECT_EQ(d["current"], 2);
  EXPECT_EQ(d["desired"], 4);
  EXPECT_EQ(d["acted"], true);
  EXPECT_EQ(d["policies"][0]["formula"], "ceil(2 × 100.0 / 50.0) = 4");
  EXPECT_EQ(d["policies"][0]["hosts"][0]["name"], "web-1");
  EXPECT_EQ(d["policies"][0]["hosts"][0]["value"], 100.0);
  EXPECT_NE(d["explanation"].get<std::string>().find("web: 2 -> 4 hosts (policy cpu)"), std::string::npos);

  json s = PolicyStatus();
  EXPECT_EQ(s["lastDecision"]["desired"], 4);
  EXPECT_EQ(s["scaleEvents"]["up"].size(), 1u);
  EXPECT_EQ(s["lastEvaluation"], FormatRfc3339(clock_.Now()));
}

TEST_F(AutoscalerControllerTest, EvaluatesOncePerInterval) {
  PutPolicy("cpu", kPolicy);
  Cpu("web-1", 100);
  Cpu("web-2", 100);
  ASSERT_TRUE(Evaluate().ok());
  ASSERT_EQ(Count(), 4);
  // The count write wakes the group again at once: nothing is decided before the interval.
  clock_.Advance(seconds(5));
  auto r = Evaluate();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requeue_after, std::optional<Duration>(seconds(10)));
  EXPECT_EQ(Count(), 4);
  EXPECT_EQ(Events("scale.").size(), 1u);
}

TEST_F(AutoscalerControllerTest, WarmingHostsHoldTheCountLikeTheHpa) {
  PutPolicy("cpu", kPolicy);
  AddHost("web-3", HostState::kLaunching);
  AddHost("web-4", HostState::kBootstrapping);
  PutGroup(4);
  Cpu("web-1", 100);
  Cpu("web-2", 100);
  ASSERT_TRUE(Evaluate().ok());
  // Scaling out, the two warming hosts count as 0 %: (100 + 100 + 0 + 0) / 4 = 50 % = target.
  EXPECT_EQ(Count(), 4);
  json d = PolicyStatus()["lastDecision"];
  EXPECT_EQ(d["policies"][0]["hostsWarming"], 2);
  EXPECT_EQ(d["acted"], false);
}

TEST_F(AutoscalerControllerTest, ScaleDownWaitsForTheWindowAcrossARestartAndStopsAtMin) {
  PutPolicy("cpu", kPolicy);
  Cpu("web-1", 100);
  Cpu("web-2", 100);
  ASSERT_TRUE(Evaluate().ok());
  ASSERT_EQ(Count(), 4);
  AddHost("web-3", HostState::kReady);
  AddHost("web-4", HostState::kReady);

  // Load gone; the server restarts (a new controller: only the store remembers).
  MakeController();
  int evaluations = 0;
  for (int i = 0; i < 8; ++i) {  // 8 x 15 s = 120 s: the scale-down window
    clock_.Advance(seconds(15));
    for (const char* h : {"web-1", "web-2", "web-3", "web-4"}) Cpu(h, 5);
    ASSERT_TRUE(Evaluate().ok());
    ++evaluations;
    if (Count() != 4) break;
  }
  // The recommendation of 4 made before the restart held the count for the whole window.
  EXPECT_EQ(evaluations, 8);
  EXPECT_EQ(Count(), 2);  // ceil(4 × 5 / 50) = 1, but never below minHosts 2
  auto decisions = Events("scale.decision");
  ASSERT_FALSE(decisions.empty());
  json held = json::parse(decisions[0].data_json);
  EXPECT_EQ(held["policies"][0]["limit"], "stabilization");
  auto actions = Events("scale.action");
  ASSERT_EQ(actions.size(), 2u);
  json last = json::parse(actions[1].data_json);
  EXPECT_EQ(last["desired"], 2);
  EXPECT_EQ(last["policies"][0]["limit"], "min");
}

TEST_F(AutoscalerControllerTest, DryRunPolicyRecordsDecisionsButNeverActs) {
  json spec = json::parse(kPolicy);
  spec["dryRun"] = true;
  PutPolicy("cpu", spec.dump());
  for (int i = 0; i < 3; ++i) {
    Cpu("web-1", 100);
    Cpu("web-2", 100);
    ASSERT_TRUE(Evaluate().ok());
    clock_.Advance(seconds(15));
  }
  EXPECT_EQ(Count(), 2);
  EXPECT_TRUE(Events("scale.action").empty());
  auto decisions = Events("scale.decision");
  ASSERT_EQ(decisions.size(), 1u);  // the same decision three times is one event
  json d = json::parse(decisions[0].data_json);
  EXPECT_EQ(d["desired"], 4);
  EXPECT_EQ(d["dryRun"], true);
  EXPECT_EQ(d["acted"], false);
  EXPECT_TRUE(PolicyStatus()["scaleEvents"]["up"].empty());  // a dry run does not eat the rate budget
}

TEST_F(AutoscalerControllerTest, ServerWideDryRun) {
  MakeController(/*dry_run=*/true);
  PutPolicy("cpu", kPolicy);
  Cpu("web-1", 100);
  Cpu("web-2", 100);
  ASSERT_TRUE(Evaluate().ok());
  EXPECT_EQ(Count(), 2);
  EXPECT_EQ(PolicyStatus()["lastDecision"]["dryRun"], true);
}

TEST_F(AutoscalerControllerTest, SeveralPoliciesScaleOutIfAnySaysSo) {
  PutPolicy("cpu", kPolicy);
  PutPolicy("office-hours", R"({"group":"web","minHosts":1,"maxHosts":10,
      "scheduled":[{"cron":"* * * * *","min":5}]})");
  Cpu("web-1", 40);
  Cpu("web-2", 40);
  ASSERT_TRUE(Evaluate().ok());
  EXPECT_EQ(Count(), 5);
  json d = PolicyStatus("cpu")["lastDecision"];
  EXPECT_EQ(d["decidingPolicy"], "office-hours");
  EXPECT_EQ(d["policies"].size(), 2u);
  EXPECT_EQ(PolicyStatus("office-hours")["lastDecision"], d);
}

TEST_F(AutoscalerControllerTest, WithoutSamplesTheFallbackHoldsTheCount) {
  PutPolicy("cpu", kPolicy);
  ASSERT_TRUE(Evaluate().ok());
  EXPECT_EQ(Count(), 2);
  json d = PolicyStatus()["lastDecision"];
  EXPECT_EQ(d["policies"][0]["limit"], "fallback");
  EXPECT_EQ(Events("scale.decision").size(), 1u);
}

TEST_F(AutoscalerControllerTest, DeletedPoliciesAndGroupsStopTheEvaluation) {
  PutPolicy("cpu", kPolicy);
  Cpu("web-1", 100);
  Cpu("web-2", 100);
  ASSERT_TRUE(store_->DeleteResource("ScalingPolicy", "cpu", std::nullopt, "test").ok());
  ASSERT_TRUE(Evaluate().ok());  // the index still names it: found gone, forgotten
  EXPECT_EQ(Count(), 2);
  PutPolicy("cpu", kPolicy);
  ASSERT_TRUE(store_->DeleteResource("ServerGroup", "web", std::nullopt, "test").ok());
  auto r = Evaluate();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->requeue_after.has_value());
  EXPECT_TRUE(Events("scale.").empty());
}

TEST_F(AutoscalerControllerTest, RunsUnderTheControllerManager) {
  PutPolicy("cpu", kPolicy);
  Cpu("web-1", 100);
  Cpu("web-2", 100);
  ControllerManager manager(*store_, clock_);
  AutoscalerOptions o;
  o.clock = &clock_;
  o.reader = reader_.get();
  ASSERT_TRUE(RegisterAutoscalerController(manager, o).ok());
  ASSERT_TRUE(manager.Start(ControllerManager::Execution::kCallerDriven).ok());
  manager.RunPending();
  EXPECT_EQ(Count(), 4);
  manager.Stop();
  AutoscalerOptions bad;
  EXPECT_EQ(RegisterAutoscalerController(manager, bad).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola
