#include "fleet/group_planner.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

const WallTime kNow = WallTime(std::chrono::seconds(1'800'000'000));

FleetHostView Host(const std::string& name, HostState state, int age_minutes, std::string id = "") {
  FleetHostView h;
  h.name = name;
  h.status.state = state;
  h.status.group = "web";
  h.status.provider_id = id.empty() && state != HostState::kRequested ? "id-" + name : id;
  h.status.launched_at = kNow - std::chrono::minutes(age_minutes);
  h.status.image = "img:1";
  h.created_at = h.status.launched_at;
  return h;
}

ProviderInstance Instance(const std::string& host, ProviderInstance::State state = ProviderInstance::State::kRunning) {
  ProviderInstance i;
  i.host_name = host;
  i.provider_id = "id-" + host;
  i.group = "web";
  i.state = state;
  return i;
}

PlanInput Input(int count, std::vector<FleetHostView> hosts) {
  PlanInput in;
  in.spec.name = "web";
  in.spec.provider = "docker";
  in.spec.image = "img:1";
  in.spec.count = count;
  in.hosts = std::move(hosts);
  in.network_exists = true;
  in.now = kNow;
  return in;
}

std::string Summary(const GroupPlan& plan) {
  std::string out;
  for (const auto& a : plan.actions) {
    out += std::string(PlanActionKindName(a.kind)) + ":" + a.host + (a.replaces.empty() ? "" : "<" + a.replaces) +
           (a.kind == PlanAction::Kind::kTerminateOrphan ? "@" + a.provider_id : "") + " ";
  }
  return out;
}

TEST(GroupPlannerTest, NewGroupCreatesNetworkAndHosts) {
  PlanInput in = Input(3, {});
  in.network_exists = false;
  GroupPlan plan = PlanGroup(in);
  EXPECT_EQ(Summary(plan), "create-network: create:web-1 create:web-2 create:web-3 ");
  EXPECT_EQ(RenderPlan("web", plan),
            "+ network web  # the group's network does not exist\n"
            "+ host web-1  # the group has 0 of 3 hosts\n"
            "+ host web-2  # the group has 1 of 3 hosts\n"
            "+ host web-3  # the group has 2 of 3 hosts\n"
            "Plan: 4 to add, 0 to change, 0 to destroy.\n");
}

TEST(GroupPlannerTest, MatchingGroupHasNoChanges) {
  GroupPlan plan = PlanGroup(Input(2, {Host("web-1", HostState::kReady, 5), Host("web-2", HostState::kReady, 4)}));
  EXPECT_TRUE(plan.empty());
  EXPECT_EQ(RenderPlan("web", plan), "No changes. The group matches its spec.\n");
}

TEST(GroupPlannerTest, ScaleUpUsesLowestFreeNames) {
  GroupPlan plan = PlanGroup(Input(4, {Host("web-2", HostState::kReady, 5), Host("web-4", HostState::kReady, 4)}));
  EXPECT_EQ(Summary(plan), "create:web-1 create:web-3 ");
}

TEST(GroupPlannerTest, ScaleInRemovesUnhealthyThenNotReadyThenOldest) {
  FleetHostView sick = Host("web-5", HostState::kReady, 1);
  sick.status.consecutive_failures = 1;
  GroupPlan plan =
      PlanGroup(Input(2, {Host("web-1", HostState::kReady, 50), Host("web-2", HostState::kReady, 60),
                          Host("web-3", HostState::kBootstrapping, 2), Host("web-4", HostState::kReady, 40), sick}));
  EXPECT_EQ(Summary(plan), "remove:web-5 remove:web-3 remove:web-2 ");
  EXPECT_EQ(plan.actions[0].reason, "scale in: failing health checks");
  EXPECT_EQ(plan.actions[2].reason, "scale in: oldest");
}

TEST(GroupPlannerTest, FailedHostsAreReplacedWithinTheBudget) {
  FleetHostView f1 = Host("web-1", HostState::kFailed, 10);
  f1.status.reason = "health check failed 3 times";
  FleetHostView f2 = Host("web-2", HostState::kFailed, 10);
  PlanInput in = Input(3, {f1, f2, Host("web-3", HostState::kReady, 10)});
  in.spec.max_replacements_per_hour = 2;
  in.recent_replacements = {kNow - std::chrono::minutes(30), kNow - std::chrono::minutes(90)};
  GroupPlan plan = PlanGroup(in);
  EXPECT_EQ(Summary(plan), "replace:web-4<web-1 ");
  EXPECT_EQ(plan.replacements_held, 1);
  EXPECT_EQ(plan.actions[0].reason, "Failed: health check failed 3 times");
  EXPECT_NE(RenderPlan("web", plan).find("self-healing budget"), std::string::npos);
}

TEST(GroupPlannerTest, FailedSurplusIsRemovedNotReplaced) {
  GroupPlan plan = PlanGroup(Input(1, {Host("web-1", HostState::kFailed, 10), Host("web-2", HostState::kReady, 10)}));
  EXPECT_EQ(Summary(plan), "remove:web-1 ");
}

TEST(GroupPlannerTest, RequestedHostsAreLaunchedAgainNotDuplicated) {
  GroupPlan plan = PlanGroup(Input(2, {Host("web-1", HostState::kRequested, 0), Host("web-2", HostState::kReady, 5)}));
  EXPECT_EQ(Summary(plan), "launch:web-1 ");
}

TEST(GroupPlannerTest, OrphansAreAdoptedWhenShortElseTerminated) {
  PlanInput in = Input(2, {Host("web-1", HostState::kReady, 5)});
  in.observed = std::vector<ProviderInstance>{Instance("web-1"), Instance("web-2"), Instance("web-7")};
  EXPECT_EQ(Summary(PlanGroup(in)), "adopt:web-2 terminate-orphan:web-7@id-web-7 ");
  in.spec.count = 1;
  EXPECT_EQ(Summary(PlanGroup(in)), "terminate-orphan:web-2@id-web-2 terminate-orphan:web-7@id-web-7 ");
}

TEST(GroupPlannerTest, VanishedInstanceMarksTheHostFailedAndReplacesIt) {
  PlanInput in = Input(2, {Host("web-1", HostState::kReady, 5), Host("web-2", HostState::kReady, 5)});
  in.observed = std::vector<ProviderInstance>{Instance("web-1")};
  EXPECT_EQ(Summary(PlanGroup(in)), "mark-failed:web-2 replace:web-3<web-2 ");
}

TEST(GroupPlannerTest, DestroyRemovesEverythingThenTheNetwork) {
  PlanInput in = Input(2, {Host("web-1", HostState::kReady, 5), Host("web-2", HostState::kLaunching, 1)});
  in.destroying = true;
  in.observed = std::vector<ProviderInstance>{Instance("web-1"), Instance("web-2"), Instance("web-9")};
  GroupPlan plan = PlanGroup(in);
  EXPECT_EQ(Summary(plan), "remove:web-1 remove:web-2 terminate-orphan:web-9@id-web-9 delete-network: ");
  EXPECT_EQ(plan.to_destroy, 4);
}

TEST(GroupPlannerTest, OutdatedHostsAreReplacedOneAtATimeWhenAllReady) {
  PlanInput in = Input(2, {Host("web-1", HostState::kReady, 50), Host("web-2", HostState::kReady, 40)});
  in.spec.image = "img:2";
  GroupPlan plan = PlanGroup(in);
  EXPECT_EQ(Summary(plan), "replace:web-3<web-1 ");
  EXPECT_EQ(plan.actions[0].reason, "outdated: image img:1 -> img:2");
  in.hosts[1].status.state = HostState::kBootstrapping;
  EXPECT_TRUE(PlanGroup(in).empty());
}

TEST(GroupPlannerTest, DrainingHostsFinishTheirRemoval) {
  GroupPlan plan = PlanGroup(Input(1, {Host("web-1", HostState::kReady, 5), Host("web-2", HostState::kDraining, 5)}));
  EXPECT_EQ(Summary(plan), "remove:web-2 ");
}

TEST(GroupPlannerTest, JsonListsTheActions) {
  GroupPlan plan = PlanGroup(Input(1, {}));
  EXPECT_EQ(EncodePlanJson(plan),
            R"({"actions":[{"action":"create","host":"web-1","reason":"the group has 0 of 1 hosts"}],)"
            R"("replacementsHeld":0,"toAdd":1,"toChange":0,"toDestroy":0})");
}

}  // namespace
}  // namespace kelola
