// DockerHostsRollout: the RolloutStrategy of `dockerhosts` Targets —
// zero-downtime deploys to plain Docker hosts, Kamal's way
// (docs/deploys-dockerhosts.md).
//
// First every host is connected, in parallel (HostEngine: SSH, and the
// host's engine through SSH): an unreachable host stops the rollout before
// anything changed. Then per host:
//   1. pull ctx.release.image_digest (never a tag);
//   2. start the new container beside the old one: named
//      <target>-<release>-<host>, labels io.kelola.target / .release /
//      .service / .deploy-host, env and secrets (ctx.secret; values never
//      logged), restart policy unless-stopped, on the host's app network;
//   3. wait for its health check, run from the host over SSH (curl to the
//      container's address, ctx.target->dockerhosts.health): a container
//      that exits or is not healthy in start_timeout is removed, the host
//      keeps the old one and the rollout stops (DeadlineExceeded naming the
//      host and the check);
//   4. switch the host's nginx to it (host_proxy.h), and wait until the
//      proxy routes there;
//   5. drain: the old container keeps serving in-flight requests for
//      `drain`, then it is stopped and removed.
// Hosts go in rolling batches (host_batches.h); the hosts of a batch in
// parallel. The app network: `options.network` when set; else, when the
// engine runs the host itself as a container (the docker fleet provider
// with mount_engine_socket), that container's network; else a bridge
// network "kelola" created on the host when missing.
// Events: deploy.host.started / .healthy / .switched / .drained /
// .failed; progress after every step.
// Thread-safety: one Rollout/RollBack at a time per target (the release
// controller serialises); different targets may run at once.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "deploy/rollout_strategy.h"
#include "integrations/docker/host_engine.h"
#include "integrations/docker/host_proxy.h"

namespace kelola::docker {

inline constexpr const char* kDeployTargetLabel = "io.kelola.target";
inline constexpr const char* kDeployReleaseLabel = "io.kelola.release";
inline constexpr const char* kDeployServiceLabel = "io.kelola.service";
inline constexpr const char* kDeployHostLabel = "io.kelola.deploy-host";

struct DockerHostsRolloutOptions {
  HostEngineOptions engine;
  HostProxyOptions proxy;  // sudo is set per host from its login user
  std::string network;     // "" = found per host (above)
  std::string default_network = "kelola";
  // How long a host may take from the reload until its proxy routes to the
  // new container.
  Duration switch_timeout = std::chrono::seconds(10);
  // Hosts connected at once before the first batch (each holds two SSH
  // sessions until the rollout ends).
  int connect_parallelism = 16;
  // Time per step and host, for bench/: "pull", "prepare" (network and
  // container lookups), "start" (the engine creates and starts the
  // container), "health", "switch", "drain", "stop" (the engine removes the
  // old container); and "connect" once per rollout (host "": all hosts are
  // connected in parallel before the first batch).
  std::function<void(const std::string& host, std::string_view step, Duration took)> on_step_time;
};

class DockerHostsRollout : public RolloutStrategy {
 public:
  explicit DockerHostsRollout(DockerHostsRolloutOptions options = {}) : options_(std::move(options)) {}
  Status Rollout(const RolloutContext& ctx, RolloutOutcome& outcome) override;
  Status RollBack(const RolloutContext& ctx, const RolloutOutcome& outcome) override;

 private:
  struct Run;
  Status DeployHosts(const RolloutContext& ctx, const ReleaseSpec& release, const std::vector<std::string>& hosts,
                     std::vector<std::string>& switched);
  // Connects every host (SSH + engine), connect_parallelism at a time.
  Result<std::map<std::string, std::unique_ptr<HostEngine>>> ConnectHosts(const RolloutContext& ctx,
                                                                          const std::vector<const FleetHost*>& hosts);
  // `switched` is set once the host's proxy took the new config.
  Status DeployHost(const RolloutContext& ctx, const ReleaseSpec& release, const FleetHost& host, HostEngine& engine,
                    Run& run, bool& switched);

  DockerHostsRolloutOptions options_;
};

// For the daemon: the strategy to register for TargetSpec::Kind::kDockerHosts.
std::shared_ptr<RolloutStrategy> MakeDockerHostsRollout(DockerHostsRolloutOptions options = {});

}  // namespace kelola::docker
