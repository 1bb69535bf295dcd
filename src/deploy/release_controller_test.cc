#include "deploy/release_controller.h"

#include <gtest/gtest.h>

#include <thread>

#include "deploy/fake_rollout_for_test.h"
#include "deploy/release_requests.h"
#include "engine/fake_store_for_test.h"
#include "fleet/fleet_host.h"

namespace kelola {
namespace {

constexpr const char* kV1 = "127.0.0.1:5000/web:v1";
constexpr const char* kV2 = "127.0.0.1:5000/web:v2";
constexpr const char* kV3 = "127.0.0.1:5000/web:v3";

DeployRequest Req(std::string target, std::string image, std::string commit, bool force, ReleaseTrigger trigger) {
  DeployRequest r;
  r.target = std::move(target);
  r.image = std::move(image);
  r.commit = std::move(commit);
  r.force = force;
  r.trigger = std::move(trigger);
  return r;
}

class ReleaseControllerTest : public ::testing::Test {
 protected:
  ReleaseControllerTest() : store_(clock_) {
    images_.digests = {{kV1, "127.0.0.1:5000/web@sha256:1111"},
                       {kV2, "127.0.0.1:5000/web@sha256:2222"},
                       {kV3, "127.0.0.1:5000/web@sha256:3333"}};
    registry_.Register(TargetSpec::Kind::kDockerHosts, strategy_);
    PutTarget("web", R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"role":"web"}}})");
    for (const char* h : {"web-a", "web-b", "web-c"}) PutHost(h, {{"role", "web"}});
    PutHost("db-a", {{"role", "db"}});
    ReleaseControllerOptions o;
    o.strategies = &registry_;
    o.images = &images_;
    o.clock = &clock_;
    controller_ = std::make_unique<ReleaseController>(store_, o);
  }

  void PutTarget(const std::string& name, const std::string& spec) {
    Resource r;
    r.kind = "Target";
    r.name = name;
    r.spec_json = spec;
    ASSERT_TRUE(store_.PutResource(r, {}).ok());
  }
  void PutHost(const std::string& name, std::map<std::string, std::string> labels, std::string status = "{}") {
    Resource r;
    r.kind = "Host";
    r.name = name;
    r.labels = std::move(labels);
    r.spec_json =
        R"({"address":"127.0.0.1","port":22,"user":"deploy","credentials":{"sshKeySecret":"fleet-key"},"hostKey":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"})";
    r.status_json = std::move(status);
    ASSERT_TRUE(store_.PutResource(r, {}).ok());
  }

  std::string Deploy(const std::string& image, const std::string& commit = "", bool force = false) {
    DeployRequest req = Req("web", image, commit, force, {"cli", "tester", ""});
    auto r = RequestDeploy(store_, req, "tester");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->spec.name : "";
  }
  void Reconcile(const std::string& release) {
    auto r = controller_->Reconcile("Release/" + release);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // A recovered release asks to be looked at again for the Pending ones.
    if (r->requeue_after && *r->requeue_after < std::chrono::seconds(1)) Reconcile(release);
  }
  StoredRelease Get(const std::string& name) {
    auto r = store_.GetResource("Release", name);
    EXPECT_TRUE(r.ok()) << name;
    auto d = DecodeStoredRelease(*r);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return *d;
  }
  std::vector<std::string> EventTypes(const std::string& release) {
    EventFilter f;
    f.subject = "Release/" + release;
    std::vector<std::string> out;
    auto events = store_.ListEvents(f);
    EXPECT_TRUE(events.ok());
    for (const Event& e : *events) out.push_back(e.type);
    return out;
  }
  static bool Has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  FakeClock clock_;
  FakeStore store_;
  MapImageResolver images_;
  std::shared_ptr<FakeRolloutStrategy> strategy_ = std::make_shared<FakeRolloutStrategy>();
  RolloutStrategyRegistry registry_;
  std::unique_ptr<ReleaseController> controller_;
};

TEST_F(ReleaseControllerTest, SuccessResolvesTheDigestAndSupersedesThePrevious) {
  const std::string first = Deploy(kV1, "aaaa1111");
  EXPECT_EQ(first, "web-1");
  Reconcile(first);
  StoredRelease r1 = Get(first);
  EXPECT_EQ(r1.status.state, ReleaseState::kSucceeded) << r1.status.reason;
  EXPECT_EQ(r1.spec.image_digest, "127.0.0.1:5000/web@sha256:1111");
  EXPECT_EQ(r1.status.progress.healthy, 3);
  EXPECT_EQ(r1.status.progress.old_remaining, 0);
  ASSERT_TRUE(r1.status.started_at && r1.status.finished_at);
  ASSERT_EQ(strategy_->rollouts.size(), 1u);
  EXPECT_EQ(strategy_->rollouts[0].hosts, (std::vector<std::string>{"web-a", "web-b", "web-c"}));
  EXPECT_EQ(strategy_->rollouts[0].previous, "");
  auto events = EventTypes(first);
  EXPECT_TRUE(Has(events, "deploy.release.requested"));
  EXPECT_TRUE(Has(events, "deploy.release.started"));
  EXPECT_TRUE(Has(events, "deploy.host.started"));
  EXPECT_TRUE(Has(events, "deploy.host.switched"));
  EXPECT_TRUE(Has(events, "deploy.release.succeeded"));

  const std::string second = Deploy(kV2, "bbbb2222");
  EXPECT_EQ(second, "web-2");
  Reconcile(second);
  EXPECT_EQ(Get(second).status.state, ReleaseState::kSucceeded);
  EXPECT_EQ(Get(second).spec.previous, "web-1");
  EXPECT_EQ(Get(first).status.state, ReleaseState::kSuperseded);
  EXPECT_EQ(strategy_->rollouts[1].previous, "web-1");
}

TEST_F(ReleaseControllerTest, FailureRollsBackTheTouchedHostsAndMarksTheReleaseBad) {
  Reconcile(Deploy(kV1, "aaaa1111"));
  strategy_->rollout_result = DeadlineExceededError("host web-a: health check /up not passing after 60s");
  strategy_->touched_on_failure = {"web-a"};
  const std::string bad = Deploy(kV2, "bbbb2222");
  Reconcile(bad);
  StoredRelease r = Get(bad);
  EXPECT_EQ(r.status.state, ReleaseState::kRolledBack);
  EXPECT_TRUE(r.status.bad);
  EXPECT_EQ(r.status.reason, "host web-a: health check /up not passing after 60s; rolled back to web-1");
  ASSERT_EQ(strategy_->rollbacks.size(), 1u);
  EXPECT_EQ(strategy_->rollbacks[0].touched, std::vector<std::string>{"web-a"});
  EXPECT_EQ(strategy_->rollbacks[0].previous, "web-1");
  EXPECT_EQ(Get("web-1").status.state, ReleaseState::kSucceeded);  // still live
  EXPECT_TRUE(Has(EventTypes(bad), "deploy.release.failed"));
  EXPECT_TRUE(Has(EventTypes(bad), "deploy.release.rolled-back"));

  // The bad commit is not deployed again unless forced.
  auto again = RequestDeploy(store_, Req("web", kV2, "bbbb2222", false, {"pipeline", "Pipeline/shop", "r2"}), "p");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAborted);
  EXPECT_NE(again.status().message().find("web-2"), std::string::npos) << again.status().message();
  EXPECT_TRUE(RequestDeploy(store_, Req("web", kV2, "bbbb2222", true, {"cli", "me", ""}), "me").ok());
}

TEST_F(ReleaseControllerTest, AFailedRollbackLeavesTheReleaseFailedWithBothReasons) {
  Reconcile(Deploy(kV1));
  strategy_->rollout_result = DeadlineExceededError("host web-a: not healthy");
  strategy_->rollback_result = UnavailableError("host web-a: engine unreachable");
  const std::string name = Deploy(kV2);
  Reconcile(name);
  StoredRelease r = Get(name);
  EXPECT_EQ(r.status.state, ReleaseState::kFailed);
  EXPECT_TRUE(r.status.bad);
  EXPECT_EQ(r.status.reason, "host web-a: not healthy; rollback to web-1 failed: host web-a: engine unreachable");
}

TEST_F(ReleaseControllerTest, AFailedFirstDeployHasNothingToRollBackTo) {
  strategy_->rollout_result = DeadlineExceededError("host web-a: not healthy");
  const std::string name = Deploy(kV1);
  Reconcile(name);
  EXPECT_EQ(Get(name).status.state, ReleaseState::kFailed);
  EXPECT_EQ(Get(name).status.reason, "host web-a: not healthy; no previous release to roll back to");
  EXPECT_TRUE(strategy_->rollbacks.empty());
}

TEST_F(ReleaseControllerTest, NoMatchingHostFailsWithNothingTouched) {
  PutTarget("web", R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"role":"api"}}})");
  const std::string name = Deploy(kV1);
  Reconcile(name);
  StoredRelease r = Get(name);
  EXPECT_EQ(r.status.state, ReleaseState::kFailed);
  EXPECT_FALSE(r.status.bad);
  EXPECT_EQ(r.status.reason.rfind("no host matches role=api", 0), 0u) << r.status.reason;
  EXPECT_TRUE(strategy_->rollouts.empty());
}

TEST_F(ReleaseControllerTest, FleetHostsThatAreNotReadyAreLeftOut) {
  PutTarget("web", R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"role":"api"}}})");
  FleetHostStatus draining;
  draining.state = HostState::kDraining;
  PutHost("api-1", {{"role", "api"}, {kFleetGroupLabel, "api"}}, EncodeFleetHostStatus(draining));
  FleetHostStatus ready;
  ready.state = HostState::kReady;
  PutHost("api-2", {{"role", "api"}, {kFleetGroupLabel, "api"}}, EncodeFleetHostStatus(ready));
  const std::string name = Deploy(kV1);
  Reconcile(name);
  EXPECT_EQ(Get(name).status.state, ReleaseState::kSucceeded) << Get(name).status.reason;
  ASSERT_EQ(strategy_->rollouts.size(), 1u);
  EXPECT_EQ(strategy_->rollouts[0].hosts, std::vector<std::string>{"api-2"});
}

TEST_F(ReleaseControllerTest, AnImageMissingFromTheRegistryFailsWithNothingTouched) {
  const std::string name = Deploy("127.0.0.1:5000/web:nope");
  Reconcile(name);
  StoredRelease r = Get(name);
  EXPECT_EQ(r.status.state, ReleaseState::kFailed);
  EXPECT_EQ(r.status.reason, "image 127.0.0.1:5000/web:nope not found in registry 127.0.0.1:5000");
  EXPECT_FALSE(r.status.bad);
  EXPECT_TRUE(strategy_->rollouts.empty());
}

TEST_F(ReleaseControllerTest, AKindWithoutStrategyFails) {
  PutTarget("web", R"({"kind":"kubernetes","kubernetes":{"apiServer":"https://127.0.0.1:6443",
    "tokenSecret":"t","deploymentManifest":"image: {{image}}"}})");
  const std::string name = Deploy(kV1);
  Reconcile(name);
  EXPECT_EQ(Get(name).status.state, ReleaseState::kFailed);
  EXPECT_EQ(Get(name).status.reason, "no rollout strategy for kind kubernetes on this server");
}

TEST_F(ReleaseControllerTest, OneReleaseAtATimePerTargetAndTheNewestPendingWins) {
  Reconcile(Deploy(kV1));
  std::mutex mu;
  std::condition_variable cv;
  bool inside = false, go = false;
  strategy_->during_rollout = [&] {
    std::unique_lock<std::mutex> l(mu);
    inside = true;
    cv.notify_all();
    cv.wait(l, [&] { return go; });
  };
  const std::string running = Deploy(kV2);
  std::thread worker([&] { Reconcile(running); });
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return inside; });
  }
  EXPECT_EQ(Get(running).status.state, ReleaseState::kRollingOut);
  const std::string older = Deploy(kV3);
  const std::string newer = Deploy(kV1);
  auto busy = controller_->Reconcile("Release/" + newer);
  ASSERT_TRUE(busy.ok());
  ASSERT_TRUE(busy->requeue_after.has_value());  // the target is busy: wait
  EXPECT_EQ(Get(newer).status.state, ReleaseState::kPending);
  EXPECT_EQ(Get(older).status.state, ReleaseState::kPending);
  {
    std::lock_guard<std::mutex> l(mu);
    go = true;
  }
  cv.notify_all();
  worker.join();
  strategy_->during_rollout = nullptr;
  EXPECT_EQ(Get(running).status.state, ReleaseState::kSucceeded);
  Reconcile(newer);
  EXPECT_EQ(Get(older).status.state, ReleaseState::kSuperseded);
  EXPECT_EQ(Get(older).status.reason, "superseded by " + newer + " before it started");
  EXPECT_EQ(Get(newer).status.state, ReleaseState::kSucceeded);
  EXPECT_EQ(Get(newer).spec.previous, running);
  EXPECT_EQ(strategy_->rollouts.size(), 3u);  // web-1, web-2, web-4: never web-3
}

TEST_F(ReleaseControllerTest, CancelDuringTheRolloutRollsBackWithoutMarkingBad) {
  Reconcile(Deploy(kV1));
  const std::string name = Deploy(kV2);
  strategy_->during_rollout = [&] { ASSERT_TRUE(RequestCancel(store_, name, "tester").ok()); };
  Reconcile(name);
  StoredRelease r = Get(name);
  EXPECT_EQ(r.status.state, ReleaseState::kRolledBack);
  EXPECT_FALSE(r.status.bad);
  EXPECT_EQ(r.status.reason, "cancelled during the rollout; rolled back to web-1");
  ASSERT_EQ(strategy_->rollbacks.size(), 1u);
  EXPECT_EQ(strategy_->rollbacks[0].touched, std::vector<std::string>{"web-a"});
  EXPECT_TRUE(Has(EventTypes(name), "deploy.release.cancelled"));
  // Finished releases cannot be cancelled.
  EXPECT_EQ(RequestCancel(store_, name, "tester").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ReleaseControllerTest, CancelBeforeTheStartNeverTouchesAnything) {
  const std::string name = Deploy(kV1);
  ASSERT_TRUE(RequestCancel(store_, name, "tester").ok());
  Reconcile(name);
  EXPECT_EQ(Get(name).status.state, ReleaseState::kFailed);
  EXPECT_EQ(Get(name).status.reason, "cancelled before it started");
  EXPECT_TRUE(strategy_->rollouts.empty());
}

TEST_F(ReleaseControllerTest, AnInterruptedRolloutIsRolledBackEverywhereOnStart) {
  Reconcile(Deploy(kV1));
  const std::string name = Deploy(kV2);
  // As a leader that died mid-rollout left it.
  Resource r = *store_.GetResource("Release", name);
  ReleaseStatus s;
  s.state = ReleaseState::kRollingOut;
  s.started_at = clock_.Now();
  r.status_json = EncodeReleaseStatus(s);
  ASSERT_TRUE(store_.PutResource(r, {}).ok());
  Reconcile(name);
  StoredRelease after = Get(name);
  EXPECT_EQ(after.status.state, ReleaseState::kRolledBack);
  EXPECT_FALSE(after.status.bad);
  EXPECT_EQ(after.status.reason.rfind("interrupted: ", 0), 0u) << after.status.reason;
  ASSERT_EQ(strategy_->rollbacks.size(), 1u);
  EXPECT_TRUE(strategy_->rollbacks[0].touched.empty());  // all units
  EXPECT_EQ(strategy_->rollbacks[0].previous, "web-1");
  EXPECT_TRUE(Has(EventTypes(name), "deploy.release.interrupted"));
}

TEST_F(ReleaseControllerTest, ARollbackReleaseMarksTheUndoneReleaseBad) {
  Reconcile(Deploy(kV1, "aaaa1111"));
  Reconcile(Deploy(kV2, "bbbb2222"));
  const int resolved = images_.calls;
  auto rb = RequestRollback(store_, {"web", "", {"cli", "me", ""}}, "me");
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(rb->spec.name, "web-3");
  EXPECT_EQ(rb->spec.rollback_of, "web-2");
  EXPECT_EQ(rb->spec.image, kV1);
  Reconcile("web-3");
  EXPECT_EQ(Get("web-3").status.state, ReleaseState::kSucceeded);
  EXPECT_EQ(Get("web-3").spec.image_digest, "127.0.0.1:5000/web@sha256:1111");
  EXPECT_EQ(images_.calls, resolved);  // the digest that went live before, not the tag again
  StoredRelease undone = Get("web-2");
  EXPECT_EQ(undone.status.state, ReleaseState::kRolledBack);
  EXPECT_TRUE(undone.status.bad);
  EXPECT_EQ(undone.status.rolled_back_by, "web-3");
  // The pipeline does not bring web-2's commit back unasked.
  auto again = RequestDeploy(store_, Req("web", kV2, "bbbb2222", false, {"pipeline", "p", "r"}), "p");
  EXPECT_EQ(again.status().code(), StatusCode::kAborted);
}

TEST_F(ReleaseControllerTest, RollbackRequestsAreChecked) {
  EXPECT_EQ(RequestRollback(store_, {"web", "", {}}, "me").status().code(), StatusCode::kFailedPrecondition);
  Reconcile(Deploy(kV1));
  EXPECT_EQ(RequestRollback(store_, {"web", "", {}}, "me").status().message(),
            "target \"web\": no release before web-1 went live; name one to roll back to");
  EXPECT_EQ(RequestRollback(store_, {"web", "web-1", {}}, "me").status().message(),
            "release: web-1 is the live release already");
  EXPECT_EQ(RequestRollback(store_, {"web", "web-9", {}}, "me").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(RequestRollback(store_, {"nope", "", {}}, "me").status().code(), StatusCode::kNotFound);
}

TEST_F(ReleaseControllerTest, DeployRequestsAreChecked) {
  EXPECT_EQ(RequestDeploy(store_, Req("nope", kV1, "", false, {}), "me").status().message(),
            "target \"nope\" not found");
  EXPECT_EQ(RequestDeploy(store_, Req("web", "", "", false, {}), "me").status().message(),
            "image: required (\"registry/repository:tag\")");
  EXPECT_EQ(RequestDeploy(store_, Req("web", "web v1", "", false, {}), "me").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RequestDeploy(store_, Req("web", kV1, "XYZ!", false, {}), "me").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola
