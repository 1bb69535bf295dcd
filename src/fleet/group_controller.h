// GroupController: converges each ServerGroup to its spec through its
// provider — the fleet's reconcile loop (docs/fleet.md).
//
// One Reconcile("ServerGroup/<name>") (a Host key reconciles the Host's
// group) does: decode and validate the spec (Invalid: status + event, no
// retry); ask the provider for the group's instances (this also proves the
// credentials before anything is written); ensure the network; PlanGroup()
// (group_planner.h); then execute the plan:
// - new hosts are written as Host resources in Requested, with a fresh
//   client token, BEFORE the provider is asked, and all Requested hosts go
//   out in one Launch call (idempotent per token and name): a crash at any
//   point neither leaks nor duplicates a server — the Host (intent) or the
//   instance's tags (fact) are found again on restart;
// - removal drains first (Draining is committed, so deploy targets stop
//   using the host), then terminates, then deletes the Host;
// - self-healing replacements are recorded in the group status and limited
//   by maxReplacementsPerHour;
// - a group labelled kelola.io/deleting=true is torn down (hosts, orphans,
//   network) and its resource deleted last.
// Status: phase (Converging | Ready | Destroying | Invalid | Error), reason,
// desired/ready counts, hosts by state, network ids, recentReplacements,
// the last plan's text, observedGeneration. Events: fleet.group.<phase>,
// fleet.host.<state>, fleet.instance.terminated, fleet.group.destroyed.
// Before any provider call that creates or destroys, it confirms the
// replica still leads (Store::ConfirmLeadership).
//
// Thread-safety: one reconcile per group at a time (the engine's per-key
// rule); groups run concurrently with several workers.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "engine/controller.h"
#include "engine/controller_manager.h"
#include "fleet/provider.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kFleetGroupControllerName = "fleet-groups";
inline constexpr const char* kFleetDeletingLabel = "kelola.io/deleting";

struct GroupControllerOptions {
  const FleetProviderRegistry* providers = nullptr;  // outlives the controller
  Clock* clock = nullptr;
  // Fresh idempotency tokens for launches; default: 12 random bytes.
  std::function<std::string()> make_client_token;
  Duration converging_requeue = std::chrono::seconds(2);
  Duration steady_requeue = std::chrono::seconds(15);
  Duration provider_error_requeue = std::chrono::seconds(30);
};

class GroupController : public Reconciler {
 public:
  GroupController(Store& store, GroupControllerOptions options);
  Result<ReconcileResult> Reconcile(const std::string& key) override;

 private:
  class Pass;
  Result<ReconcileResult> ReconcileGroup(const std::string& name);
  Status CleanUpHostsOfMissingGroup(const std::string& name);

  Store& store_;
  GroupControllerOptions options_;
};

// Registers the controller (kinds ServerGroup and Host) with `manager`.
Status RegisterGroupController(ControllerManager& manager, GroupControllerOptions options, int workers = 2);

}  // namespace kelola
