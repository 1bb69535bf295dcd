// FleetHost: a fleet-managed `Host` resource's lifecycle, as values, and its
// storage in the Host resource (labels + status JSON).
//
// Lifecycle: Requested → Launching → Booted → Bootstrapping → Ready, or
// Failed with the reason; Draining → Terminating when the group scales in
// or replaces it. Every transition records `since` and is an event
// (fleet.host.<state>, subject "Host/<name>").
//
// The group controller (group_controller.h) creates Hosts (Requested),
// launches them (Launching, with the provider id once known), drains and
// terminates them. The host controller (host_controller.h) takes a launched
// host through Booted, Bootstrapping and Ready, and health-checks Ready
// hosts (Failed after the group's unhealthy threshold).
//
// A fleet Host carries labels kelola.io/group=<group>, kelola.io/provider,
// and the group's own labels; its spec is the usual Host spec (address,
// port, user, credentials, hostKey) filled in once the address is known.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kFleetGroupLabel = "kelola.io/group";
inline constexpr const char* kFleetProviderLabel = "kelola.io/provider";

enum class HostState {
  kRequested,
  kLaunching,
  kBooted,
  kBootstrapping,
  kReady,
  kFailed,
  kDraining,
  kTerminating,
};

std::string_view HostStateName(HostState state);  // "Requested", ...
Result<HostState> ParseHostState(std::string_view name);

struct FleetHostStatus {
  HostState state = HostState::kRequested;
  std::string reason;  // why Failed (or what is happening: "waiting for sshd")
  WallTime since{};    // when `state` was entered
  std::string group;
  std::string provider;
  std::string provider_id;   // "" until launched
  std::string client_token;  // the idempotency token Launch used
  std::string address;
  std::string image;  // what it was launched from (to find outdated hosts)
  std::string size;
  WallTime launched_at{};
  WallTime ready_at{};
  int consecutive_failures = 0;  // health checks failed in a row
  std::string last_check;        // "ok", or the last failure
  WallTime last_check_at{};
};

Result<FleetHostStatus> DecodeFleetHostStatus(const std::string& status_json);
std::string EncodeFleetHostStatus(const FleetHostStatus& status);

// True for a Host resource the fleet manages (it has kelola.io/group).
bool IsFleetHost(const Resource& host);

// States in which the host counts toward the group's wanted count.
bool CountsTowardGroup(HostState state);  // all but Failed, Draining, Terminating

}  // namespace kelola
