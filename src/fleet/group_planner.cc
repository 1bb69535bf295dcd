#include "fleet/group_planner.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

// Lowest unused ordinals: <group>-1, <group>-2, ...
class HostNamer {
 public:
  HostNamer(std::string group, const std::vector<FleetHostView>& hosts) : group_(std::move(group)) {
    for (const auto& h : hosts) taken_.insert(h.name);
  }
  std::string Next() {
    for (int n = next_;; ++n) {
      std::string name = group_ + "-" + std::to_string(n);
      if (taken_.insert(name).second) {
        next_ = n + 1;
        return name;
      }
    }
  }
  void Take(const std::string& name) { taken_.insert(name); }

 private:
  std::string group_;
  std::set<std::string> taken_;
  int next_ = 1;
};

// Scale-in order: failing health checks, not yet Ready, then oldest.
bool RemoveFirst(const FleetHostView& a, const FleetHostView& b) {
  auto rank = [](const FleetHostView& h) {
    if (h.status.consecutive_failures > 0) return 0;
    if (h.status.state != HostState::kReady) return 1;
    return 2;
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  const WallTime ta = a.status.launched_at != WallTime{} ? a.status.launched_at : a.created_at;
  const WallTime tb = b.status.launched_at != WallTime{} ? b.status.launched_at : b.created_at;
  if (ta != tb) return ta < tb;
  return a.name < b.name;
}

std::string Outdated(const ServerGroupSpec& spec, const FleetHostStatus& s) {
  if (!spec.image.empty() && !s.image.empty() && s.image != spec.image) {
    return "outdated: image " + s.image + " -> " + spec.image;
  }
  if (!spec.size.empty() && !s.size.empty() && s.size != spec.size) {
    return "outdated: size " + s.size + " -> " + spec.size;
  }
  return "";
}

}  // namespace

GroupPlan PlanGroup(const PlanInput& in) {
  GroupPlan plan;
  auto add = [&plan](PlanAction a) { plan.actions.push_back(std::move(a)); };
  using K = PlanAction::Kind;

  std::map<std::string, const ProviderInstance*> by_host;  // observed, by host tag
  std::set<std::string> known_ids;
  for (const auto& h : in.hosts) {
    if (!h.status.provider_id.empty()) known_ids.insert(h.status.provider_id);
  }
  std::vector<const ProviderInstance*> orphans;
  if (in.observed) {
    for (const ProviderInstance& i : *in.observed) {
      if (i.state == ProviderInstance::State::kTerminated) continue;
      if (!i.host_name.empty()) by_host[i.host_name] = &i;
      const bool has_host = std::any_of(in.hosts.begin(), in.hosts.end(), [&i](const FleetHostView& h) {
        return h.name == i.host_name || (!i.provider_id.empty() && h.status.provider_id == i.provider_id);
      });
      if (!has_host) orphans.push_back(&i);
    }
  }

  if (in.destroying) {
    for (const auto& h : in.hosts) add({K::kRemove, h.name, "", h.status.provider_id, "group destroyed"});
    for (const ProviderInstance* o : orphans) {
      add({K::kTerminateOrphan, o->host_name, "", o->provider_id, "group destroyed"});
    }
    if (in.network_exists) add({K::kDeleteNetwork, "", "", "", "group destroyed"});
    plan.to_destroy = static_cast<int>(plan.actions.size());
    return plan;
  }

  if (!in.network_exists) {
    add({K::kCreateNetwork, "", "", "", "the group's network does not exist"});
    ++plan.to_add;
  }

  HostNamer namer(in.spec.name, in.hosts);
  std::vector<FleetHostView> live;    // counting toward the group
  std::vector<FleetHostView> failed;  // to replace or remove
  for (const FleetHostView& h : in.hosts) {
    const HostState st = h.status.state;
    if (st == HostState::kDraining || st == HostState::kTerminating) {
      add({K::kRemove, h.name, "", h.status.provider_id, "finishing removal (" + std::string(HostStateName(st)) + ")"});
      ++plan.to_destroy;
      continue;
    }
    if (st == HostState::kFailed) {
      failed.push_back(h);
      continue;
    }
    // An instance the provider no longer has: the host is lost.
    if (in.observed && st != HostState::kRequested && !h.status.provider_id.empty() && !by_host.count(h.name) &&
        std::none_of(in.observed->begin(), in.observed->end(), [&h](const ProviderInstance& i) {
          return i.provider_id == h.status.provider_id && i.state != ProviderInstance::State::kTerminated;
        })) {
      add({K::kMarkFailed, h.name, "", h.status.provider_id,
           "the provider no longer has instance " + h.status.provider_id});
      ++plan.to_change;
      FleetHostView f = h;
      f.status.state = HostState::kFailed;
      failed.push_back(f);
      continue;
    }
    if (st == HostState::kRequested) {
      add({K::kLaunch, h.name, "", "", "requested, not launched yet"});
    }
    live.push_back(h);
  }

  int deficit = in.spec.count - static_cast<int>(live.size());

  // Orphans: adopt while short, else terminate.
  for (const ProviderInstance* o : orphans) {
    const bool usable = o->state == ProviderInstance::State::kRunning || o->state == ProviderInstance::State::kPending;
    if (deficit > 0 && usable && !o->host_name.empty()) {
      namer.Take(o->host_name);
      add({K::kAdopt, o->host_name, "", o->provider_id, "an instance of the group without its Host record"});
      ++plan.to_add;
      --deficit;
    } else {
      add({K::kTerminateOrphan, o->host_name, "", o->provider_id,
           usable ? "an instance of the group the group does not need" : "a stopped instance of the group"});
      ++plan.to_destroy;
    }
  }

  // Failed hosts: replace within the self-healing budget.
  int budget = in.spec.max_replacements_per_hour;
  for (WallTime t : in.recent_replacements) {
    if (in.now - t < std::chrono::hours(1)) --budget;
  }
  std::sort(failed.begin(), failed.end(),
            [](const FleetHostView& a, const FleetHostView& b) { return a.name < b.name; });
  for (const FleetHostView& f : failed) {
    const std::string why = "Failed: " + (f.status.reason.empty() ? std::string("no reason given") : f.status.reason);
    if (deficit > 0 && budget > 0) {
      add({K::kReplace, namer.Next(), f.name, f.status.provider_id, why});
      ++plan.to_add;
      ++plan.to_destroy;
      --deficit;
      --budget;
    } else if (deficit > 0) {
      ++plan.replacements_held;  // kept (its instance may tell why) until the budget allows
    } else {
      add({K::kRemove, f.name, "", f.status.provider_id, why + "; the group does not need it"});
      ++plan.to_destroy;
    }
  }
  // Hosts held by the budget still occupy their slot: no fresh create for them.
  deficit -= plan.replacements_held;

  if (deficit > 0) {
    for (int i = 0; i < deficit; ++i) {
      add({K::kCreate, namer.Next(), "", "",
           "the group has " + std::to_string(in.spec.count - deficit + i) + " of " + std::to_string(in.spec.count) +
               " hosts"});
      ++plan.to_add;
    }
  } else if (deficit < 0) {
    std::vector<FleetHostView> victims = live;
    std::sort(victims.begin(), victims.end(), RemoveFirst);
    for (int i = 0; i < -deficit && i < static_cast<int>(victims.size()); ++i) {
      const FleetHostView& v = victims[static_cast<size_t>(i)];
      std::string why = v.status.consecutive_failures > 0     ? "scale in: failing health checks"
                        : v.status.state != HostState::kReady ? "scale in: not Ready"
                                                              : "scale in: oldest";
      add({K::kRemove, v.name, "", v.status.provider_id, why});
      ++plan.to_destroy;
    }
  } else if (plan.actions.empty() && plan.replacements_held == 0) {
    const bool all_ready = std::all_of(live.begin(), live.end(),
                                       [](const FleetHostView& h) { return h.status.state == HostState::kReady; });
    if (all_ready) {
      std::vector<FleetHostView> sorted = live;
      std::sort(sorted.begin(), sorted.end(), RemoveFirst);
      for (const FleetHostView& h : sorted) {
        const std::string why = Outdated(in.spec, h.status);
        if (why.empty()) continue;
        add({K::kReplace, namer.Next(), h.name, h.status.provider_id, why});
        ++plan.to_add;
        ++plan.to_destroy;
        break;
      }
    }
  }
  return plan;
}

std::string_view PlanActionKindName(PlanAction::Kind kind) {
  switch (kind) {
    case PlanAction::Kind::kCreateNetwork: return "create-network";
    case PlanAction::Kind::kCreate: return "create";
    case PlanAction::Kind::kLaunch: return "launch";
    case PlanAction::Kind::kReplace: return "replace";
    case PlanAction::Kind::kRemove: return "remove";
    case PlanAction::Kind::kMarkFailed: return "mark-failed";
    case PlanAction::Kind::kAdopt: return "adopt";
    case PlanAction::Kind::kTerminateOrphan: return "terminate-orphan";
    case PlanAction::Kind::kDeleteNetwork: return "delete-network";
  }
  return "unknown";
}

std::string RenderPlan(const std::string& group, const GroupPlan& plan) {
  std::string out;
  for (const PlanAction& a : plan.actions) {
    std::string line;
    switch (a.kind) {
      case PlanAction::Kind::kCreateNetwork: line = "+ network " + group; break;
      case PlanAction::Kind::kCreate: line = "+ host " + a.host; break;
      case PlanAction::Kind::kLaunch: line = "+ host " + a.host + " (launch)"; break;
      case PlanAction::Kind::kReplace: line = "-/+ host " + a.replaces + " replaced by " + a.host; break;
      case PlanAction::Kind::kRemove: line = "- host " + a.host; break;
      case PlanAction::Kind::kMarkFailed: line = "~ host " + a.host + " (mark Failed)"; break;
      case PlanAction::Kind::kAdopt: line = "+ host " + a.host + " (adopt " + a.provider_id + ")"; break;
      case PlanAction::Kind::kTerminateOrphan:
        line = "- instance " + a.provider_id + (a.host.empty() ? "" : " (" + a.host + ")");
        break;
      case PlanAction::Kind::kDeleteNetwork: line = "- network " + group; break;
    }
    if (!a.reason.empty()) line += "  # " + a.reason;
    out += line + "\n";
  }
  if (plan.replacements_held > 0) {
    out += "! " + std::to_string(plan.replacements_held) +
           " Failed host(s) wait: the self-healing budget (maxReplacementsPerHour) is spent\n";
  }
  if (plan.empty()) {
    out += "No changes. The group matches its spec.\n";
  } else {
    out += "Plan: " + std::to_string(plan.to_add) + " to add, " + std::to_string(plan.to_change) + " to change, " +
           std::to_string(plan.to_destroy) + " to destroy.\n";
  }
  return out;
}

std::string EncodePlanJson(const GroupPlan& plan) {
  json actions = json::array();
  for (const PlanAction& a : plan.actions) {
    json j = {{"action", std::string(PlanActionKindName(a.kind))}, {"reason", a.reason}};
    if (!a.host.empty()) j["host"] = a.host;
    if (!a.replaces.empty()) j["replaces"] = a.replaces;
    if (!a.provider_id.empty()) j["providerId"] = a.provider_id;
    actions.push_back(std::move(j));
  }
  return json{{"actions", std::move(actions)},
              {"toAdd", plan.to_add},
              {"toChange", plan.to_change},
              {"toDestroy", plan.to_destroy},
              {"replacementsHeld", plan.replacements_held}}
      .dump();
}

std::string GroupNetworkKey(const ServerGroupSpec& spec) {
  json j = json::parse(EncodeServerGroupSpec(spec), nullptr, false);
  return spec.provider + "|" + spec.region + "|" + spec.zone + "|" +
         (j.is_object() && j.contains("network") ? j["network"].dump() : "");
}

void ReadGroupStatusIntoPlan(const std::string& status_json, PlanInput& in) {
  json status = json::parse(status_json, nullptr, false);
  if (!status.is_object()) return;
  const bool recorded = status.contains("network") && status["network"].is_object();
  in.network_exists = recorded && (status.value("networkKey", "") == GroupNetworkKey(in.spec) || in.destroying);
  if (status.contains("recentReplacements") && status["recentReplacements"].is_array()) {
    for (const json& t : status["recentReplacements"]) {
      if (!t.is_string()) continue;
      if (auto w = ParseRfc3339(t.get<std::string>()); w.ok()) in.recent_replacements.push_back(*w);
    }
  }
}

std::vector<FleetHostView> FleetHostViews(const std::vector<Resource>& hosts) {
  std::vector<FleetHostView> out;
  for (const Resource& r : hosts) {
    FleetHostView v;
    v.name = r.name;
    v.created_at = r.created_at;
    if (auto s = DecodeFleetHostStatus(r.status_json); s.ok()) v.status = *s;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace kelola
