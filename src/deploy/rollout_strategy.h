// RolloutStrategy: how a release reaches one kind of Target — the one small
// interface the release controller calls. Implementations:
// DockerHostsRollout (src/integrations/docker: Kamal's way, per host:
// pull by digest, start beside the old container, health, switch the
// host's proxy, drain, stop the old) and KubernetesRollout
// (src/integrations/kubernetes: apply the Deployment, watch as
// `kubectl rollout status`, undo to the previous ReplicaSet's template).
//
// Contract:
// - Rollout() moves every unit (host / replica) of the target to
//   `ctx.release.image_digest` and returns OK only when all of them serve it
//   and are healthy. It never leaves a unit serving nothing: a unit whose new
//   version is not healthy in time keeps the old one, and the rollout stops
//   there (later batches are not started).
// - On failure it returns the error (what and where: "host web-2: health
//   check /up not passing after 60s: connection refused") and fills
//   `outcome.touched` with the units that were switched, so RollBack() can
//   put `ctx.previous` back exactly there.
// - RollBack() moves the touched units (all units when `touched` is empty)
//   back to `ctx.previous` with the same zero-downtime steps. Without a
//   previous release there is nothing to go back to: FailedPrecondition.
// - Both report progress and one event per step through the context, and
//   stop early (Cancelled) when `keep_going` says so.
// - Errors: InvalidArgument (a target or manifest the strategy refuses),
//   NotFound (no matching hosts, image not in the registry), Unavailable
//   (API server / engine unreachable), DeadlineExceeded (health or progress
//   deadline), PermissionDenied (credentials refused).
// Thread-safety: one call at a time per target (the controller serialises).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "deploy/release.h"
#include "deploy/target.h"
#include "ssh/fleet_inventory.h"

namespace kelola {

struct RolloutContext {
  const TargetSpec* target = nullptr;
  const ReleaseSpec* release = nullptr;   // going out
  const ReleaseSpec* previous = nullptr;  // live now; nullptr on the first deploy
  // dockerhosts: the Hosts matching the target's selector, in rollout order,
  // with how to reach them over SSH (FleetInventoryFromHosts); the release
  // controller refuses a target with none (NotFound) before calling.
  const FleetInventory* hosts = nullptr;
  // Reads a Secret's value by name (and key); the strategy never logs it.
  std::function<Result<std::string>(const std::string& secret, const std::string& key)> secret;
  std::function<void(const ReleaseProgress&)> on_progress;
  // One event per step: kind "deploy.host.started", "deploy.host.healthy",
  // "deploy.host.switched", "deploy.host.drained", "deploy.host.failed",
  // "deploy.k8s.applied", "deploy.k8s.progress", ...; `unit` is the host or
  // Deployment, `message` a sentence.
  std::function<void(std::string_view kind, std::string_view unit, std::string_view message)> on_event;
  std::function<bool()> keep_going;
};

struct RolloutOutcome {
  std::vector<std::string> touched;  // units switched to the new release
};

class RolloutStrategy {
 public:
  virtual ~RolloutStrategy() = default;
  virtual Status Rollout(const RolloutContext& ctx, RolloutOutcome& outcome) = 0;
  virtual Status RollBack(const RolloutContext& ctx, const RolloutOutcome& outcome) = 0;
};

// Strategies by target kind, filled by the daemon at start.
class RolloutStrategyRegistry {
 public:
  void Register(TargetSpec::Kind kind, std::shared_ptr<RolloutStrategy> strategy) {
    strategies_[kind] = std::move(strategy);
  }
  RolloutStrategy* Find(TargetSpec::Kind kind) const {
    auto it = strategies_.find(kind);
    return it == strategies_.end() ? nullptr : it->second.get();
  }

 private:
  std::map<TargetSpec::Kind, std::shared_ptr<RolloutStrategy>> strategies_;
};

}  // namespace kelola
