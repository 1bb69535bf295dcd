// DeployService: deploys wired into `kelola server` — the RolloutStrategy
// registry (one strategy per Target kind), the registry-backed ImageResolver
// and the leader-elected release controller (src/deploy/release_controller.h).
// The one place where the deploy domain meets its integrations.
//
// Strategies (RegisterRolloutStrategies): dockerhosts → docker::DockerHostsRollout
// (over SSH to each host's engine, nginx switch), kubernetes →
// KubernetesRolloutStrategy (server-side apply, kubectl's rollout status).
//
// Thread-safety: Register() once, before the ControllerManager starts.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "deploy/image_resolver.h"
#include "deploy/rollout_strategy.h"
#include "engine/controller_manager.h"
#include "ssh/fleet_inventory.h"
#include "store/store.h"

namespace kelola {

struct DeployServiceOptions {
  std::string data_dir;                         // known_hosts for the docker hosts
  const std::atomic<bool>* stopping = nullptr;  // the server's shutdown flag
};

// Fills `registry` with one strategy per Target kind.
void RegisterRolloutStrategies(RolloutStrategyRegistry& registry);

class DeployService {
 public:
  DeployService(Store& store, Clock& clock, SecretResolver secrets, DeployServiceOptions options);
  ~DeployService();
  Status Register(ControllerManager& manager);
  const RolloutStrategyRegistry& strategies() const { return *strategies_; }

 private:
  Store& store_;
  Clock& clock_;
  SecretResolver secrets_;
  DeployServiceOptions options_;
  std::shared_ptr<RolloutStrategyRegistry> strategies_;
  std::unique_ptr<ImageResolver> images_;
};

}  // namespace kelola
