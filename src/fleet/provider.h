// FleetProvider: where a ServerGroup's servers come from — the one small
// interface every provider (docker, aws, static) implements, registered by
// name in a FleetProviderRegistry.
//
// Contract, shared by every provider:
// - Everything a provider creates carries the group's and the host's names
//   (EC2 tags kelola:group / kelola:host / kelola:managed-by, Docker labels
//   io.kelola.group / io.kelola.host / io.kelola.managed-by), so List()
//   re-finds it after a crash of `kelola server`: nothing is leaked and
//   nothing is created twice.
// - Launch() is idempotent per LaunchSpec: a host whose name/client token
//   was launched before is returned as it is, never launched again (EC2's
//   ClientToken, a container's unique name, an adopted static address).
//   It launches all the given hosts in as few provider calls as it can.
// - Terminate() and DeleteNetwork() are idempotent: "already gone" is OK.
// - EnsureNetwork() creates or re-finds the group's network (VPC, subnets,
//   gateway, routes, security group; a Docker network); calling it again
//   creates nothing new.
//
// Errors: InvalidArgument naming the field (bad spec for this provider),
// Unauthenticated/PermissionDenied (credentials wrong or refused: not
// retried), Unavailable/ResourceExhausted/DeadlineExceeded (retry later),
// NotFound (Describe of an instance that no longer exists).
// Thread-safety: every method may be called from several threads at once.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "fleet/server_group.h"

namespace kelola {

// Names of the tags/labels every provider puts on what it creates.
inline constexpr const char* kFleetGroupTag = "kelola:group";
inline constexpr const char* kFleetHostTag = "kelola:host";
inline constexpr const char* kFleetManagedByTag = "kelola:managed-by";
inline constexpr const char* kFleetDockerGroupLabel = "io.kelola.group";
inline constexpr const char* kFleetDockerHostLabel = "io.kelola.host";
inline constexpr const char* kFleetDockerManagedByLabel = "io.kelola.managed-by";

// What EnsureNetwork made or found, by role: "vpc", "subnet", "subnet-1",
// "internetGateway", "routeTable", "securityGroup", "network" (Docker).
struct GroupNetwork {
  std::map<std::string, std::string> ids;
};

// One server to launch.
struct LaunchSpec {
  std::string host_name;     // unique in the fleet; the host tag/label, the container name
  std::string client_token;  // idempotency token (EC2 ClientToken); stable across retries
};

struct ProviderInstance {
  enum class State { kPending, kRunning, kStopped, kTerminated, kUnknown };
  std::string provider_id;  // "i-0abc...", a container id, the static address
  std::string host_name;    // from the host tag/label
  std::string group;        // from the group tag/label
  State state = State::kUnknown;
  std::string state_detail;  // the provider's own words: "running", "exited (137)"
  std::string address;       // where SSH and health checks reach it ("" until known)
  int ssh_port = 22;
  // The SSH host public key ("ssh-ed25519 AAAA..."), when the provider can
  // read it out of band (the docker provider can); "" otherwise.
  std::string host_key;
  std::string image;  // what it was launched from
  std::string size;
  WallTime launched_at{};
};

std::string_view ProviderInstanceStateName(ProviderInstance::State state);

class FleetProvider {
 public:
  virtual ~FleetProvider() = default;
  virtual std::string Name() const = 0;
  // Checks what only this provider knows (known sizes, a usable image,
  // static host list given...). InvalidArgument naming the field.
  virtual Status Validate(const ServerGroupSpec& spec) const = 0;
  virtual Result<GroupNetwork> EnsureNetwork(const ServerGroupSpec& spec) = 0;
  virtual Result<std::vector<ProviderInstance>> Launch(const ServerGroupSpec& spec, const GroupNetwork& network,
                                                       const std::vector<LaunchSpec>& hosts) = 0;
  // Every instance of the group the provider still has, stopped ones
  // included; terminated ones may be left out.
  virtual Result<std::vector<ProviderInstance>> List(const ServerGroupSpec& spec) = 0;
  virtual Result<ProviderInstance> Describe(const ServerGroupSpec& spec, const std::string& provider_id) = 0;
  virtual Status Terminate(const ServerGroupSpec& spec, const std::vector<std::string>& provider_ids) = 0;
  virtual Status DeleteNetwork(const ServerGroupSpec& spec) = 0;
};

// Providers by name. Get() of an unknown name is InvalidArgument listing the
// known ones ("unknown provider \"gcp\" (known: aws, docker, static)").
class FleetProviderRegistry {
 public:
  void Add(std::shared_ptr<FleetProvider> provider);
  Result<std::shared_ptr<FleetProvider>> Get(const std::string& name) const;
  std::vector<std::string> Names() const;  // sorted

 private:
  std::map<std::string, std::shared_ptr<FleetProvider>> providers_;
};

}  // namespace kelola
