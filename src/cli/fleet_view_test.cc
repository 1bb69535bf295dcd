#include "cli/fleet_view.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

using json = nlohmann::json;

json GroupJson(int count, int generation = 1, json status = json::object(), bool deleting = false) {
  json labels = json::object();
  if (deleting) labels["kelola.io/deleting"] = "true";
  return {{"metadata", {{"name", "web"}, {"generation", generation}, {"labels", labels}}},
          {"spec", {{"provider", "docker"}, {"image", "img:2"}, {"size", "small"}, {"count", count}}},
          {"status", status}};
}

FleetHostRow Host(const std::string& name, const std::string& state, const std::string& image = "img:2") {
  FleetHostRow h;
  h.name = name;
  h.group = "web";
  h.state = state;
  h.image = image;
  h.size = "small";
  return h;
}

TEST(FleetViewTest, HostRowFromAHostResource) {
  json host = {{"metadata", {{"name", "web-1"}, {"labels", {{"kelola.io/group", "web"}}}}},
               {"spec", {{"address", "10.0.0.5"}}},
               {"status",
                {{"state", "Failed"},
                 {"reason", "health check: connection refused"},
                 {"providerId", "i-0abc"},
                 {"since", "2026-11-27T10:00:00.000Z"}}}};
  FleetHostRow row = FleetHostRowFrom(host);
  EXPECT_EQ(row.name, "web-1");
  EXPECT_EQ(row.group, "web");
  EXPECT_EQ(row.state, "Failed");
  EXPECT_EQ(row.address, "10.0.0.5");  // from the spec until the status has one
  EXPECT_EQ(row.provider_id, "i-0abc");
  EXPECT_EQ(row.reason, "health check: connection refused");
  EXPECT_EQ(FleetHostRowFrom({{"metadata", {{"name", "new"}}}}).state, "Requested");
}

TEST(FleetViewTest, ProgressWhileConverging) {
  GroupProgress p =
      SummarizeGroup(GroupJson(3), {Host("web-1", "Ready"), Host("web-2", "Ready"), Host("web-3", "Bootstrapping")});
  EXPECT_EQ(FormatGroupProgress(p), "web: 2/3 Ready, 1 Bootstrapping");
  EXPECT_FALSE(p.converged);
  EXPECT_FALSE(p.failed);
}

TEST(FleetViewTest, ConvergedOnlyWhenEveryHostIsReadyAndCurrent) {
  std::vector<FleetHostRow> ready = {Host("web-1", "Ready"), Host("web-2", "Ready")};
  EXPECT_TRUE(SummarizeGroup(GroupJson(2), ready).converged);
  EXPECT_FALSE(SummarizeGroup(GroupJson(3), ready).converged);  // one short
  EXPECT_FALSE(SummarizeGroup(GroupJson(1), ready).converged);  // one to remove
  // An image change is converged once the old hosts are replaced.
  GroupProgress outdated = SummarizeGroup(GroupJson(2), {Host("web-1", "Ready", "img:1"), Host("web-2", "Ready")});
  EXPECT_FALSE(outdated.converged);
  EXPECT_EQ(FormatGroupProgress(outdated), "web: 2/2 Ready (1 outdated)");
  // A controller that has not seen generation 2 yet is waited for.
  EXPECT_FALSE(SummarizeGroup(GroupJson(2, 2, {{"observedGeneration", 1}}), ready).converged);
  EXPECT_TRUE(SummarizeGroup(GroupJson(2, 2, {{"observedGeneration", 2}}), ready).converged);
}

TEST(FleetViewTest, FailedWhenSettledWithFailedHostsOrInvalid) {
  GroupProgress p = SummarizeGroup(GroupJson(2), {Host("web-1", "Ready"), Host("web-2", "Failed")});
  EXPECT_TRUE(p.failed);
  EXPECT_EQ(FormatGroupProgress(p), "web: 1/2 Ready, 1 Failed");
  // A replacement on its way is not a failure yet.
  EXPECT_FALSE(
      SummarizeGroup(GroupJson(2), {Host("web-1", "Ready"), Host("web-2", "Failed"), Host("web-3", "Launching")})
          .failed);
  GroupProgress invalid = SummarizeGroup(
      GroupJson(2, 1, {{"phase", "Invalid"}, {"reason", "spec.size: unknown"}, {"observedGeneration", 1}}), {});
  EXPECT_TRUE(invalid.failed);
  EXPECT_EQ(FormatGroupProgress(invalid), "web: 0/2 Ready (Invalid: spec.size: unknown)");
}

TEST(FleetViewTest, ProgressWhileDestroying) {
  GroupProgress p = SummarizeGroup(GroupJson(2, 1, {}, true), {Host("web-1", "Terminating"), Host("web-2", "Ready")});
  EXPECT_TRUE(p.destroying);
  EXPECT_FALSE(p.converged);
  EXPECT_EQ(FormatGroupProgress(p), "web: destroying, 2 hosts left (1 Ready, 1 Terminating)");
  EXPECT_EQ(FormatGroupProgress(SummarizeGroup(GroupJson(2, 1, {}, true), {})), "web: destroying, no hosts left");
}

TEST(FleetViewTest, Ages) {
  WallTime now = WallTime(std::chrono::seconds(1'800'000'000));  // 2027-01-15T08:00:00Z
  EXPECT_EQ(FormatAge("2027-01-15T07:59:15.500Z", now), "45s");
  EXPECT_EQ(FormatAge("2027-01-15T07:48:00Z", now), "12m");
  EXPECT_EQ(FormatAge("2027-01-15T05:00:00Z", now), "3h");
  EXPECT_EQ(FormatAge("2027-01-10T08:00:00Z", now), "5d");
  EXPECT_EQ(FormatAge("", now), "");
  EXPECT_EQ(FormatAge("yesterday", now), "");
}

TEST(FleetViewTest, DescribeSummarizesTheSpec) {
  json g = GroupJson(3, 1, {{"phase", "Ready"}});
  g["spec"]["network"] = {{"vpcCidr", "10.20.0.0/16"},
                          {"subnets", {"10.20.1.0/24"}},
                          {"ingress", {{{"protocol", "tcp"}, {"port", 80}, {"cidr", "10.0.0.0/8"}}}}};
  g["spec"]["healthCheck"] = {{"http", {{"port", 8080}, {"path", "/healthz"}}}, {"interval", "10s"}};
  std::map<std::string, std::string> lines;
  for (const auto& [k, v] : DescribeGroupSpec(g)) lines[k] = v;
  EXPECT_EQ(lines["Name"], "web");
  EXPECT_EQ(lines["Count"], "3");
  EXPECT_EQ(lines["Network"], "10.20.0.0/16, subnets 10.20.1.0/24");
  EXPECT_EQ(lines["Ingress"], "tcp/80 from 10.0.0.0/8");
  EXPECT_EQ(lines["Health check"], "http GET :8080/healthz, every 10s, Failed after 3 failures");
  EXPECT_EQ(lines["Phase"], "Ready");
}

}  // namespace
}  // namespace kelola
