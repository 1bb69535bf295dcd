#include "api/fleet_quota.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(FleetQuotaTest, ParsesTeamItems) {
  auto q = ParseTeamQuotas({"web=20", "data-eng=0"}, "fleet.quota.teams");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->at("web"), 20);
  EXPECT_EQ(q->at("data-eng"), 0);
  for (const char* bad : {"web", "=5", "web=", "web=-1", "web=x", "Web=5", "web=5=6"}) {
    auto r = ParseTeamQuotas({bad}, "server.yaml:3");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("server.yaml:3"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().message();
  }
  EXPECT_FALSE(ParseTeamQuotas({"web=1", "web=2"}, "x").ok());
}

TEST(FleetQuotaTest, DecidesOnTheTeamsTotal) {
  FleetQuota quota;
  quota.default_max_servers = 10;
  quota.team_max_servers = {{"web", 5}};
  std::vector<GroupUsage> groups = {{"web-a", "web", 3}, {"web-b", "web", 1}, {"etl", "data", 9}};
  QuotaDecision d = DecideQuota(quota, groups, "web-c", "web", 2);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.limit, 5);
  EXPECT_EQ(d.in_use, 4);
  EXPECT_EQ(d.requested, 6);
  EXPECT_EQ(DescribeQuotaRefusal(d, "web-c", 2),
            "quota exceeded: team \"web\" may run at most 5 servers; its other groups have 4 and server group "
            "\"web-c\" asks for 2 (6 in all)");
  EXPECT_TRUE(DecideQuota(quota, groups, "web-c", "web", 1).allowed);  // exactly at the limit
  EXPECT_TRUE(DecideQuota(quota, groups, "web-a", "web", 4).allowed);  // its own 3 are replaced, not added
  EXPECT_FALSE(DecideQuota(quota, groups, "web-a", "web", 5).allowed);
  EXPECT_TRUE(DecideQuota(quota, groups, "etl", "data", 10).allowed);  // default quota
  // Moving a group to another team counts it there in full.
  EXPECT_FALSE(DecideQuota(quota, groups, "etl", "web", 2).allowed);
}

TEST(FleetQuotaTest, ScalingInIsAllowedOverALoweredQuota) {
  FleetQuota quota;
  quota.default_max_servers = 2;
  std::vector<GroupUsage> groups = {{"a", "default", 4}, {"b", "default", 3}};
  EXPECT_TRUE(DecideQuota(quota, groups, "a", "default", 4).allowed);   // unchanged
  EXPECT_TRUE(DecideQuota(quota, groups, "a", "default", 1).allowed);   // smaller
  EXPECT_FALSE(DecideQuota(quota, groups, "a", "default", 5).allowed);  // larger
  EXPECT_FALSE(DecideQuota(quota, groups, "c", "default", 0 + 1).allowed);
  EXPECT_TRUE(DecideQuota(quota, {}, "c", "default", 0).allowed);
}

}  // namespace
}  // namespace kelola
