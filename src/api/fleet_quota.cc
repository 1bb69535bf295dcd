#include "api/fleet_quota.h"

#include <charconv>

namespace kelola {

int64_t FleetQuota::MaxFor(const std::string& team) const {
  auto it = team_max_servers.find(team);
  return it == team_max_servers.end() ? default_max_servers : it->second;
}

Result<std::map<std::string, int64_t>> ParseTeamQuotas(const std::vector<std::string>& items,
                                                       const std::string& where) {
  std::map<std::string, int64_t> out;
  for (const std::string& item : items) {
    auto fail = [&](const std::string& why) {
      return InvalidArgumentError(where + ": \"" + item + "\": " + why + " (expected TEAM=MAX, e.g. web=20)");
    };
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return fail("no team name");
    std::string team = item.substr(0, eq);
    std::string number = item.substr(eq + 1);
    for (char c : team) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return fail("a team is lower-case letters, digits and '-'");
      }
    }
    int64_t max = 0;
    auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), max);
    if (number.empty() || ec != std::errc() || p != number.data() + number.size() || max < 0 || max > 1000000) {
      return fail("the maximum must be an integer from 0 to 1000000");
    }
    if (!out.emplace(team, max).second) return fail("team listed twice");
  }
  return out;
}

QuotaDecision DecideQuota(const FleetQuota& quota, const std::vector<GroupUsage>& groups, const std::string& name,
                          const std::string& team, int64_t count) {
  QuotaDecision d;
  d.team = team;
  d.limit = quota.MaxFor(team);
  int64_t current = -1;  // this group's count in this team now; -1 = not in it
  for (const GroupUsage& g : groups) {
    if (g.team != team) continue;
    if (g.name == name) {
      current = g.count;
    } else {
      d.in_use += g.count;
    }
  }
  d.requested = d.in_use + count;
  d.allowed = d.requested <= d.limit || (current >= 0 && count <= current);
  return d;
}

std::string DescribeQuotaRefusal(const QuotaDecision& d, const std::string& group, int64_t count) {
  return "quota exceeded: team \"" + d.team + "\" may run at most " + std::to_string(d.limit) + " servers; its other " +
         "groups have " + std::to_string(d.in_use) + " and server group \"" + group + "\" asks for " +
         std::to_string(count) + " (" + std::to_string(d.requested) + " in all)";
}

}  // namespace kelola
