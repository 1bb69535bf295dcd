// StaticProvider: provider "static" — machines that already exist, listed by
// address in the group's spec.staticHosts. "Launch" adopts a machine for a
// Host (the host controller then bootstraps it over SSH like any other);
// "Terminate" releases it: the machine is left running as it is, with
// whatever the runbook installed, and becomes free for another Host.
// There is no network to create or delete.
//
// Where adoptions live: in the group's Host resources, not in the provider.
// A machine's provider id is "address:port"; a Host holds the machine whose
// id is its status.providerId. Launch reads the group's Hosts from the Store
// (reads only) and gives each requested host, in the order asked, the first
// machine of spec.staticHosts (list order) that no Host holds (a machine
// adopted by a Host of another static group is never taken). This keeps
// Launch idempotent and restart-safe without state of its own: a host that
// already holds a machine gets it again, and one whose adoption was never
// recorded (a crash between Launch and the group controller's write) gets
// the same machine again, because nothing else took it meanwhile.
//
// Self-healing on static machines: a Host that is Failed, Draining or
// Terminating is on its way out, so when no machine is free its machine
// may be re-adopted by the replacement (which re-applies the runbook: the
// only "replacement" a fixed machine has). Free machines are taken first.
// When no machine can be found for a requested host, Launch fails as a
// whole with ResourceExhausted naming the host and who holds every machine;
// nothing was done, so a later retry (after a release) is safe.
//
// Host keys: a machine's `hostKey` from the spec, else the key a Host of
// the group learned on its first connection to it (spec.hostKey): a
// replacement that re-adopts the machine verifies it strictly, and a
// reinstalled machine is refused until its new key is put in the spec.
//
// Describe reports a listed machine as running (state_detail "adopted by
// web-1" or "free"): the provider cannot see a machine's power state; the
// bootstrap and health checks find an unreachable one. A machine no longer
// in spec.staticHosts is NotFound.
//
// Thread-safety: every method may be called from several threads.
#pragma once

#include <string>
#include <vector>

#include "fleet/provider.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kStaticProviderName = "static";

// "10.0.0.5:22", "[fd00::5]:22": a static machine's provider id.
std::string StaticMachineId(const StaticHostSpec& machine);

class StaticProvider final : public FleetProvider {
 public:
  // `store` (read only: the group's Host resources) must outlive this.
  explicit StaticProvider(Store& store);

  std::string Name() const override { return kStaticProviderName; }
  // spec.staticHosts non-empty, each address an IP literal or a host name,
  // ports 1..65535, no machine twice, a hostKey (when given) shaped like
  // "ssh-ed25519 AAAA...", count no more than the machines.
  Status Validate(const ServerGroupSpec& spec) const override;
  Result<GroupNetwork> EnsureNetwork(const ServerGroupSpec& spec) override;
  Result<std::vector<ProviderInstance>> Launch(const ServerGroupSpec& spec, const GroupNetwork& network,
                                               const std::vector<LaunchSpec>& hosts) override;
  // One instance per Host of the group holding a machine still listed.
  Result<std::vector<ProviderInstance>> List(const ServerGroupSpec& spec) override;
  Result<ProviderInstance> Describe(const ServerGroupSpec& spec, const std::string& provider_id) override;
  Status Terminate(const ServerGroupSpec& spec, const std::vector<std::string>& provider_ids) override;
  Status DeleteNetwork(const ServerGroupSpec& spec) override;

 private:
  struct Holder {
    std::string host;
    bool leaving = false;  // Failed, Draining or Terminating
    WallTime created_at{};
    bool other_group = false;  // the machine is listed by two groups; this one adopted it first
    std::string group;
    std::string host_key;  // the Host's spec.hostKey (learned on its first connection)
  };
  // (provider id, a Host holding it) for every static Host: several Hosts
  // hold one machine while a replacement re-adopts it.
  Result<std::vector<std::pair<std::string, Holder>>> Holders(const std::string& group);
  ProviderInstance Instance(const ServerGroupSpec& spec, const StaticHostSpec& machine, const std::string& host,
                            WallTime since, const std::vector<std::pair<std::string, Holder>>& holders) const;

  Store& store_;
};

}  // namespace kelola
