// DockerFleetProvider: the `docker` FleetProvider (the embedded default) —
// a ServerGroup's servers are containers of an sshd image (build one with
// scripts/build-host-image) on the group's user-defined bridge network,
// through the Docker Engine API over the unix socket (DockerClient).
//
// - EnsureNetwork: the network `<prefix><group>` labelled io.kelola.group /
//   io.kelola.managed-by, IPAM subnet spec.network.vpcCidr (containers'
//   addresses from spec.network.subnets[0] when given), else the engine's
//   choice; found again by its labels.
// - Launch: one container per host (up to launch_parallelism at once), named after the host (names are unique,
//   so a 409 on create means it exists: it is inspected and returned, never
//   launched twice), labelled group/host/managed-by/size, CPU and memory
//   limits by spec.size, restart policy "no" (the group controller replaces
//   dead hosts), hostname = host name. Before start, the bootstrap key's
//   public half (derived from the private key in the Secret named by
//   spec.bootstrap.sshKeySecret) goes into ~/.ssh/authorized_keys of
//   spec.bootstrap.sshUser (uid, gid and home from the image's /etc/passwd) and
//   a spec.bootstrap.userData script into /var/lib/kelola/user-data through
//   PUT /containers/{id}/archive; after start the script runs once
//   (detached exec, output in /var/log/kelola-user-data.log).
// - List/Describe: container state as ProviderInstance (running → address
//   on the group network, port 22, the SSH host key read by exec from
//   /etc/ssh/ssh_host_ed25519_key.pub once sshd's start script wrote it).
// - Terminate (force remove, in parallel too) and DeleteNetwork are idempotent.
// Firewall rules (spec.network.ingress) are accepted but not enforced: the
// engine runs with --iptables=false here (docs/integrations/docker-provider.md).
//
// Errors: as FleetProvider; FailedPrecondition for a missing image ("build
// it with scripts/build-host-image") or a container/network of that name
// that kelola does not manage; Unavailable when the engine does not answer.
// Thread-safety: every method may be called from several threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fleet/provider.h"
#include "integrations/docker/docker_client.h"

namespace kelola::docker {

struct DockerFleetProviderOptions {
  std::string socket_path = "/var/run/docker.sock";
  std::string network_prefix = "kelola-";  // the group's network: <prefix><group>
  std::string managed_by = "kelola";       // value of the io.kelola.managed-by label
  // The value of a Secret by name: the bootstrap's private SSH key. Unset
  // while a spec names spec.bootstrap.sshKeySecret: Launch is
  // FailedPrecondition.
  std::function<Result<std::string>(const std::string& secret_name)> resolve_secret;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  int launch_parallelism = 4;  // hosts created and started at once by one Launch
  // Off by default. When set, every host gets the engine's socket
  // (socket_path) bind-mounted at /var/run/docker.sock: the host's "own"
  // Docker engine is then this machine's, reached over SSH the way a deploy
  // reaches a real host's engine (docs/deploys-dockerhosts.md). Anyone who
  // can log in to such a host controls this engine: for tests and demos.
  bool mount_engine_socket = false;
};

// A size's limits: nano 0.25 CPU/128 MiB, micro 0.5/256 MiB, small 1/512 MiB,
// medium 2/1 GiB, large 4/2 GiB; "" is small. CPUs are capped at what the
// engine has. InvalidArgument naming spec.size for other names.
struct DockerSize {
  int64_t nano_cpus = 0;
  int64_t memory_bytes = 0;
};
Result<DockerSize> DockerSizeFor(const std::string& size);

// Labels of the docker provider's own beside the contract's three.
inline constexpr const char* kFleetDockerSizeLabel = "io.kelola.size";
inline constexpr const char* kFleetDockerTokenLabel = "io.kelola.client-token";

class DockerFleetProvider : public FleetProvider {
 public:
  explicit DockerFleetProvider(DockerFleetProviderOptions options = {});

  std::string Name() const override { return "docker"; }
  Status Validate(const ServerGroupSpec& spec) const override;
  Result<GroupNetwork> EnsureNetwork(const ServerGroupSpec& spec) override;
  Result<std::vector<ProviderInstance>> Launch(const ServerGroupSpec& spec, const GroupNetwork& network,
                                               const std::vector<LaunchSpec>& hosts) override;
  Result<std::vector<ProviderInstance>> List(const ServerGroupSpec& spec) override;
  Result<ProviderInstance> Describe(const ServerGroupSpec& spec, const std::string& provider_id) override;
  Status Terminate(const ServerGroupSpec& spec, const std::vector<std::string>& provider_ids) override;
  Status DeleteNetwork(const ServerGroupSpec& spec) override;

  std::string NetworkName(const ServerGroupSpec& spec) const { return options_.network_prefix + spec.name; }

 private:
  struct LaunchContext;
  // Connects on first use (and again after a failed connect).
  Result<DockerClient*> Client();
  std::map<std::string, std::string> GroupLabels(const ServerGroupSpec& spec) const;
  Result<std::string> LaunchOne(DockerClient& docker, const ServerGroupSpec& spec, const LaunchContext& context,
                                const LaunchSpec& host);
  ProviderInstance ToInstance(DockerClient& docker, const ContainerInfo& info);
  std::string HostKey(DockerClient& docker, const std::string& id);

  DockerFleetProviderOptions options_;
  std::mutex mu_;
  std::unique_ptr<DockerClient> client_;          // guarded by mu_ until set
  int cpus_ = 0;                                  // guarded by mu_
  std::map<std::string, std::string> host_keys_;  // container id -> host key; guarded by mu_
};

}  // namespace kelola::docker
