// PlanGroup: what a ServerGroup needs done to match its spec — the one
// decision procedure behind `kelola fleet plan` (shown, like terraform plan)
// and the group controller (executed). Pure.
//
// Rules, in order:
// - destroying: every host and orphan instance is removed, then the network;
// - no network yet: create it;
// - a Host whose instance the provider no longer has is marked Failed;
// - Requested hosts (written, not yet launched: e.g. a crash between the
//   two) are launched again with their own client token — never a new one;
// - an instance carrying the group's tag but no Host (a crash after launch
//   whose Host write was lost) is adopted while the group is short of hosts,
//   else terminated: nothing is leaked;
// - Failed hosts are replaced (a new host is created, the failed one removed)
//   while the self-healing budget (max_replacements_per_hour over the last
//   hour) lasts; past it they are removed without replacement only when the
//   group has too many;
// - too few hosts: create; too many: scale in, victims in this order:
//   hosts failing health checks, hosts not yet Ready, then oldest first
//   (launch time, then name) — deterministic;
// - when nothing else is to be done and every host is Ready, one host whose
//   image or size differs from the spec is replaced (a rolling change).
// New hosts are named <group>-<n> with the lowest unused n.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "fleet/fleet_host.h"
#include "fleet/provider.h"
#include "fleet/server_group.h"

namespace kelola {

struct FleetHostView {
  std::string name;
  FleetHostStatus status;
  WallTime created_at{};
};

struct PlanInput {
  ServerGroupSpec spec;
  std::vector<FleetHostView> hosts;  // the group's Host resources
  // The provider's instances of the group; nullopt when not asked (the
  // plan endpoint without refresh): then no orphans or vanished instances.
  std::optional<std::vector<ProviderInstance>> observed;
  bool network_exists = false;
  bool destroying = false;
  std::vector<WallTime> recent_replacements;  // self-healing replacements done
  WallTime now{};
};

struct PlanAction {
  enum class Kind {
    kCreateNetwork,    // the group's network
    kCreate,           // a new host: `host`
    kLaunch,           // launch a Requested host again: `host`
    kReplace,          // create `host` to replace `replaces` (Failed or outdated)
    kRemove,           // drain and terminate `host` (scale in, destroy, failed surplus)
    kMarkFailed,       // `host`'s instance is gone
    kAdopt,            // create Host `host` for orphan instance `provider_id`
    kTerminateOrphan,  // terminate orphan instance `provider_id`
    kDeleteNetwork,
  };
  Kind kind = Kind::kCreate;
  std::string host;
  std::string replaces;
  std::string provider_id;
  std::string reason;
};

struct GroupPlan {
  std::vector<PlanAction> actions;
  int to_add = 0;      // hosts (and the network) to be created
  int to_change = 0;   // hosts changed in place (marked failed)
  int to_destroy = 0;  // hosts, orphans (and the network) to be removed
  // Self-healing wanted to replace more Failed hosts than its budget allows.
  int replacements_held = 0;
  bool empty() const { return actions.empty(); }
};

GroupPlan PlanGroup(const PlanInput& input);

// terraform-like text: one line per action ("+ host web-4", "- host web-1
// (scale in: oldest)", "-/+ host web-2 replaced by web-5 (Failed: ...)")
// and "Plan: 2 to add, 0 to change, 1 to destroy." or "No changes."
std::string RenderPlan(const std::string& group, const GroupPlan& plan);
std::string EncodePlanJson(const GroupPlan& plan);
std::string_view PlanActionKindName(PlanAction::Kind kind);  // "create", "remove", ...

// The network spec's fingerprint: the group controller records it as
// status.networkKey and creates the network again when it changes.
std::string GroupNetworkKey(const ServerGroupSpec& spec);

// What the group controller recorded in a ServerGroup's status and planning
// needs (the network for this network spec, the self-healing replacements),
// read into `in`, whose spec and destroying are already set.
void ReadGroupStatusIntoPlan(const std::string& status_json, PlanInput& in);

// FleetHostViews from the group's Host resources (those whose status does
// not decode are treated as Requested).
std::vector<FleetHostView> FleetHostViews(const std::vector<Resource>& hosts);

}  // namespace kelola
