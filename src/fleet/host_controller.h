// HostController: takes each launched fleet Host the rest of the way —
// Launching → Booted → Bootstrapping → Ready — and watches Ready hosts,
// failing them when their health check fails too often or their instance
// stops. The group controller (group_controller.h) owns the other states
// (Requested, Draining, Terminating, Failed: it replaces Failed hosts); this
// controller never touches a host in one of them.
//
// Per state, on each reconcile of "Host/<name>" (hosts without the
// kelola.io/group label are not ours and are ignored):
//   Launching     provider Describe(provider_id): running with an address →
//                 the Host spec gets address, port, user, credentials and
//                 (when the provider knows it) hostKey; state Booted. Still
//                 pending → again in 1 s. Stopped, terminated, or gone →
//                 Failed with the reason.
//   Booted        → Bootstrapping (the deadline starts: bootstrap.timeout).
//   Bootstrapping a HostBootstrapper job (asynchronous, polled every 1 s)
//                 waits for sshd, learns the host key if the Host has none
//                 (stored in spec.hostKey at once), applies the runbook;
//                 then the health check, retried every 1 s; passing → Ready.
//                 A failed runbook, or no Ready before the deadline → Failed.
//   Ready         a health check every healthCheck.interval; failures in a
//                 row (not counting the grace period after Ready) reaching
//                 unhealthyThreshold → Failed ("health check failed 3 times:
//                 ..."); a failed check (or, with no check, every interval)
//                 also asks the provider, and a stopped instance fails the
//                 host at once ("instance stopped: exited (137)").
// Every state change is one status write with `since` and one event
// fleet.host.<state> (subject Host/<name>) carrying the reason. Writes carry
// the resource version read, so a concurrent change by the group controller
// (say, Draining) wins and this reconcile is retried on the new state.
//
// Why asynchronous bootstrap: a runbook takes minutes; run inline it would
// hold one of the controller's workers for all that time, so a group of 10
// new hosts would stall health checks of every Ready host. Jobs run on the
// bootstrapper's own bounded pool instead, and the controller's workers
// only do short things (a provider Describe, one health check bounded by
// its timeout). Health checks run on the workers (several, default 4).
//
// Thread-safety: Reconcile() may run for different keys at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "engine/controller.h"
#include "engine/controller_manager.h"
#include "fleet/fleet_host.h"
#include "fleet/health_check.h"
#include "fleet/host_bootstrapper.h"
#include "fleet/provider.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kHostControllerName = "fleet-hosts";

struct HostControllerDeps {
  std::shared_ptr<const FleetProviderRegistry> providers;  // required
  Clock* clock = nullptr;                                  // SystemClock() when null
  // Resolves credentials.sshKeySecret; used to build the real checker and
  // bootstrapper when those are not given.
  SecretResolver resolver;
  // When null, RegisterHostController makes a NetworkHealthChecker and an
  // SshHostBootstrapper (work_dir below, max_concurrent_bootstraps).
  std::shared_ptr<HealthChecker> health;
  std::shared_ptr<HostBootstrapper> bootstrapper;
  std::string work_dir;                // DATA_DIR/fleet: known_hosts files while host keys are learned
  std::string known_hosts_path;        // for command checks of hosts without spec.hostKey
  int max_concurrent_bootstraps = 16;  // the real bootstrapper's pool
  int workers = 4;                     // the controller's reconcile threads
};

class HostController final : public Reconciler {
 public:
  // `store` is the one the controller writes through (a FencedStore under
  // leader election). deps.providers, deps.health and deps.bootstrapper
  // must be set.
  HostController(Store& store, HostControllerDeps deps);
  Result<ReconcileResult> Reconcile(const std::string& key) override;

  // Poll intervals, exposed for tests and docs.
  static constexpr Duration kPollInterval = std::chrono::seconds(1);
  // Describe NotFound this soon after Launching is read as the provider's
  // eventual consistency (EC2 just after RunInstances), not as "gone".
  static constexpr Duration kNotFoundGrace = std::chrono::seconds(30);

 private:
  struct Context;
  Result<ReconcileResult> Launching(Context& c);
  Result<ReconcileResult> Booted(Context& c);
  Result<ReconcileResult> Bootstrapping(Context& c);
  Result<ReconcileResult> Ready(Context& c);
  // Writes the new state (and `c.host` spec when spec_changed) and appends
  // the fleet.host.<state> event.
  Status Transition(Context& c, HostState state, const std::string& reason, bool spec_changed = false);
  Status WriteStatus(Context& c);
  Status WriteSpec(Context& c);
  void ForgetHost(const std::string& key);

  Store& store_;
  HostControllerDeps deps_;
  Clock& clock_;
  std::mutex mu_;
  // When each Ready host is next checked. In memory on purpose: a healthy
  // host's status is written only when the outcome changes, not every
  // interval; after a restart every host is simply checked at once.
  std::map<std::string, MonoTime> next_check_;
};

// Registers the controller (name kHostControllerName, kind "Host") with a
// reconciler made for the manager's (possibly fenced) store. Fills in the
// real health checker and bootstrapper when deps leaves them null.
Status RegisterHostController(ControllerManager& manager, HostControllerDeps deps);

}  // namespace kelola
