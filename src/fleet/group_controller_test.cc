#include "fleet/group_controller.h"

#include <gtest/gtest.h>

#include "fleet/fake_provider_for_test.h"
#include "fleet/fleet_host.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

class GroupControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(":memory:", clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    provider_ = std::make_shared<FakeFleetProvider>("fake");
    registry_.Add(provider_);
    GroupControllerOptions o;
    o.providers = &registry_;
    o.clock = &clock_;
    o.make_client_token = [this] { return "tok-" + std::to_string(++tokens_); };
    controller_ = std::make_unique<GroupController>(*store_, o);
  }

  void PutGroup(const std::string& spec_json, std::map<std::string, std::string> labels = {}) {
    Resource r;
    r.kind = "ServerGroup";
    r.name = "web";
    r.labels = std::move(labels);
    r.spec_json = spec_json;
    if (auto old = store_->GetResource("ServerGroup", "web"); old.ok()) r.status_json = old->status_json;
    ASSERT_TRUE(store_->PutResource(r, {}).ok());
  }

  Result<ReconcileResult> Reconcile() { return controller_->Reconcile("ServerGroup/web"); }

  std::map<std::string, FleetHostStatus> Hosts() {
    std::map<std::string, FleetHostStatus> out;
    ListOptions o;
    o.kind = "Host";
    auto list = store_->ListResources(o);
    for (const Resource& r : list->items) {
      auto s = DecodeFleetHostStatus(r.status_json);
      EXPECT_TRUE(s.ok()) << r.status_json << " " << s.status().ToString();
      if (s.ok()) out[r.name] = *s;
    }
    return out;
  }

  std::string GroupStatus(const std::string& field) {
    auto g = store_->GetResource("ServerGroup", "web");
    if (!g.ok()) return "<gone>";
    auto j = nlohmann::json::parse(g->status_json);
    return j.contains(field) ? (j[field].is_string() ? j[field].get<std::string>() : j[field].dump()) : "";
  }

  void SetHostState(const std::string& name, HostState state, const std::string& reason = "") {
    Resource r = *store_->GetResource("Host", name);
    FleetHostStatus s = *DecodeFleetHostStatus(r.status_json);
    s.state = state;
    s.reason = reason;
    r.status_json = EncodeFleetHostStatus(s);
    ASSERT_TRUE(store_->PutResource(r, {}).ok());
  }

  int EventsOfType(const std::string& type) {
    EventFilter f;
    f.type_prefix = type;
    return static_cast<int>(store_->ListEvents(f)->size());
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<FakeFleetProvider> provider_;
  FleetProviderRegistry registry_;
  std::unique_ptr<GroupController> controller_;
  int tokens_ = 0;
};

TEST_F(GroupControllerTest, CreatesNetworkAndLaunchesAllHostsInOneCall) {
  PutGroup(R"({"provider": "fake", "count": 3, "image": "img:1", "labels": {"app": "web"}})");
  auto r = Reconcile();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(provider_->launch_calls, 1);
  EXPECT_EQ(provider_->instances.size(), 3u);
  EXPECT_EQ(provider_->networks.count("web"), 1u);
  auto hosts = Hosts();
  ASSERT_EQ(hosts.size(), 3u);
  for (const auto& [name, s] : hosts) {
    EXPECT_EQ(s.state, HostState::kLaunching) << name;
    EXPECT_FALSE(s.provider_id.empty());
    EXPECT_EQ(s.group, "web");
  }
  auto host = store_->GetResource("Host", "web-1");
  EXPECT_EQ(host->labels.at("app"), "web");
  EXPECT_EQ(host->labels.at(kFleetGroupLabel), "web");
  EXPECT_EQ(GroupStatus("phase"), "Converging");
  EXPECT_EQ(EventsOfType("fleet.host.requested"), 3);
  EXPECT_EQ(EventsOfType("fleet.host.launching"), 3);

  // Again: nothing new (idempotent), and the network is not asked for again.
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(provider_->instances_created, 3);
  EXPECT_EQ(provider_->ensure_network_calls, 1);
}

TEST_F(GroupControllerTest, ReadyGroupIsReady) {
  PutGroup(R"({"provider": "fake", "count": 2})");
  ASSERT_TRUE(Reconcile().ok());
  for (const auto& [name, s] : Hosts()) SetHostState(name, HostState::kReady);
  auto r = Reconcile();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(GroupStatus("phase"), "Ready");
  EXPECT_EQ(GroupStatus("ready"), "2");
  EXPECT_EQ(r->requeue_after, std::chrono::seconds(15));
}

TEST_F(GroupControllerTest, FailedLaunchIsRetriedWithTheSameTokensAndNoDuplicates) {
  PutGroup(R"({"provider": "fake", "count": 2})");
  provider_->next_launch_error = UnavailableError("RequestLimitExceeded");
  EXPECT_FALSE(Reconcile().ok());
  for (const auto& [name, s] : Hosts()) EXPECT_EQ(s.state, HostState::kRequested);
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(provider_->instances_created, 2);
  EXPECT_EQ(provider_->by_token.count("tok-1") + provider_->by_token.count("tok-2"), 2u);
  for (const auto& [name, s] : Hosts()) EXPECT_EQ(s.state, HostState::kLaunching);
}

TEST_F(GroupControllerTest, InstanceWithoutItsHostIsAdoptedNotDuplicated) {
  PutGroup(R"({"provider": "fake", "count": 2})");
  ASSERT_TRUE(Reconcile().ok());
  // As if the server died after the launch but before writing web-2's Host.
  ASSERT_TRUE(store_->DeleteResource("Host", "web-2", {}).ok());
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(provider_->instances_created, 2);
  auto hosts = Hosts();
  ASSERT_EQ(hosts.count("web-2"), 1u);
  EXPECT_EQ(hosts["web-2"].state, HostState::kLaunching);
  EXPECT_EQ(EventsOfType("fleet.host.launching"), 3);  // two launched, one adopted
}

TEST_F(GroupControllerTest, ScaleInDrainsTerminatesAndForgetsOldestFirst) {
  PutGroup(R"({"provider": "fake", "count": 3})");
  ASSERT_TRUE(Reconcile().ok());
  for (const auto& [name, s] : Hosts()) SetHostState(name, HostState::kReady);
  PutGroup(R"({"provider": "fake", "count": 1})");
  ASSERT_TRUE(Reconcile().ok());
  auto hosts = Hosts();
  EXPECT_EQ(hosts.size(), 1u);
  EXPECT_EQ(provider_->instances.size(), 1u);
  EXPECT_EQ(EventsOfType("fleet.host.draining"), 2);
  EXPECT_EQ(EventsOfType("fleet.host.terminated"), 2);
  EXPECT_EQ(provider_->terminate_calls, 1);  // one call for both
}

TEST_F(GroupControllerTest, FailedHostsAreReplacedWithinTheHourlyBudget) {
  PutGroup(R"({"provider": "fake", "count": 2, "maxReplacementsPerHour": 1})");
  ASSERT_TRUE(Reconcile().ok());
  SetHostState("web-1", HostState::kFailed, "health check failed 3 times");
  ASSERT_TRUE(Reconcile().ok());
  auto hosts = Hosts();
  EXPECT_EQ(hosts.count("web-1"), 0u);
  EXPECT_EQ(hosts.count("web-3"), 1u);
  SetHostState("web-2", HostState::kFailed, "instance stopped");
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Hosts().count("web-2"), 1u);  // held: the budget is spent
  EXPECT_EQ(GroupStatus("replacementsHeld"), "1");
  clock_.Advance(std::chrono::minutes(61));
  ASSERT_TRUE(Reconcile().ok());
  hosts = Hosts();
  EXPECT_EQ(hosts.count("web-2"), 0u);
  EXPECT_EQ(hosts.size(), 2u);
}

TEST_F(GroupControllerTest, VanishedInstanceIsReplaced) {
  PutGroup(R"({"provider": "fake", "count": 1})");
  ASSERT_TRUE(Reconcile().ok());
  provider_->instances.clear();  // docker kill + rm, or terminated outside kelola
  ASSERT_TRUE(Reconcile().ok());
  auto hosts = Hosts();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts.count("web-2"), 1u);
  EXPECT_EQ(EventsOfType("fleet.host.failed"), 1);
}

TEST_F(GroupControllerTest, DestroyRemovesEverythingAndTheGroup) {
  PutGroup(R"({"provider": "fake", "count": 2})");
  ASSERT_TRUE(Reconcile().ok());
  PutGroup(R"({"provider": "fake", "count": 2})", {{kFleetDeletingLabel, "true"}});
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_TRUE(Hosts().empty());
  EXPECT_TRUE(provider_->instances.empty());
  EXPECT_TRUE(provider_->networks.empty());
  EXPECT_EQ(GroupStatus("phase"), "<gone>");
  EXPECT_EQ(EventsOfType("fleet.group.destroyed"), 1);
}

TEST_F(GroupControllerTest, InvalidSpecOrUnknownProviderIsReportedNotRetried) {
  PutGroup(R"({"provider": "gcp", "count": 1})");
  auto r = Reconcile();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->requeue_after.has_value());
  EXPECT_EQ(GroupStatus("phase"), "Invalid");
  EXPECT_EQ(GroupStatus("reason"), "spec.provider: unknown provider \"gcp\" (known: fake)");
  PutGroup(R"({"provider": "fake", "size": "huge"})");
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(GroupStatus("reason"), "spec.size: unknown size \"huge\"");
  EXPECT_EQ(EventsOfType("fleet.group.invalid"), 2);
  EXPECT_TRUE(Hosts().empty());
}

TEST_F(GroupControllerTest, WrongCredentialsCreateNothing) {
  provider_->list_error = UnauthenticatedError("AuthFailure: AWS was not able to validate the provided credentials");
  PutGroup(R"({"provider": "fake", "count": 2})");
  auto r = Reconcile();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requeue_after, std::chrono::seconds(30));
  EXPECT_EQ(GroupStatus("phase"), "Error");
  EXPECT_NE(GroupStatus("reason").find("AuthFailure"), std::string::npos);
  EXPECT_TRUE(Hosts().empty());
  EXPECT_TRUE(provider_->networks.empty());
  EXPECT_EQ(EventsOfType("fleet.group.error"), 1);
}

TEST_F(GroupControllerTest, HostKeysReconcileTheirGroup) {
  PutGroup(R"({"provider": "fake", "count": 1})");
  ASSERT_TRUE(Reconcile().ok());
  SetHostState("web-1", HostState::kFailed, "x");
  ASSERT_TRUE(controller_->Reconcile("Host/web-1").ok());
  EXPECT_EQ(Hosts().count("web-2"), 1u);
}

}  // namespace
}  // namespace kelola
