// FleetQuota: the per-team ceiling on servers that self-service ServerGroup
// writes must stay under (server config fleet.quota.default_max_servers and
// fleet.quota.teams, docs/fleet.md). Pure.
//
// A team's usage is the sum of `spec.count` over its ServerGroups — the
// servers asked for, whether they exist yet or not; groups being destroyed
// still count until they are gone, since their servers still run. A write
// is refused when the team's total after it would exceed the quota, except
// a write that does not raise the group's own count in that team (scaling
// in, or changing anything else, is always allowed, even over a lowered
// quota).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace kelola {

struct FleetQuota {
  int64_t default_max_servers = 100;
  std::map<std::string, int64_t> team_max_servers;  // overrides per team

  int64_t MaxFor(const std::string& team) const;
};

// Parses fleet.quota.teams items "TEAM=MAX" ("web=20"); InvalidArgument
// naming the item. `where` prefixes errors (the key's source).
Result<std::map<std::string, int64_t>> ParseTeamQuotas(const std::vector<std::string>& items, const std::string& where);

// One stored ServerGroup as the quota sees it.
struct GroupUsage {
  std::string name;
  std::string team;
  int64_t count = 0;
};

struct QuotaDecision {
  std::string team;
  int64_t limit = 0;
  int64_t in_use = 0;     // the team's servers in its other groups
  int64_t requested = 0;  // the team's total if the write went through
  bool allowed = true;
};

// Decides a write of group `name` asking for `count` servers for `team`,
// given every stored group (`name`'s current version included, if any).
QuotaDecision DecideQuota(const FleetQuota& quota, const std::vector<GroupUsage>& groups, const std::string& name,
                          const std::string& team, int64_t count);

// "team \"web\" may run at most 10 servers; it has 8 in other groups and this asks for 4 (12 in all)"
std::string DescribeQuotaRefusal(const QuotaDecision& decision, const std::string& group, int64_t count);

}  // namespace kelola
