// ControllerManager: runs controllers against the Store, like
// controller-runtime's manager.
//
// Each registered controller has its own WorkQueue of "Kind/name" keys (see
// controller.h) fed three ways:
// - watch: every Store change event ("resource.created|updated|deleted")
//   whose subject's kind the controller watches enqueues that subject;
// - start: Start() enqueues every existing resource of the watched kinds
//   (after subscribing, so no change falls between the list and the watch);
// - resync: every `resync_period` the watched kinds are listed again and
//   every key enqueued, which repairs missed events (e.g. writes by another
//   server replica, whose events a local Subscribe does not see).
// Enqueue() adds keys from elsewhere (webhooks, other controllers).
//
// Leader election (EnableLeaderElection(), for several server replicas on
// one database): each controller campaigns for its own Store lease
// "controller/NAME" (leader_elector.h), so different controllers may lead on
// different replicas. A controller reconciles only while it leads: on
// becoming leader it lists everything, while not leading its watch events,
// resyncs and queued keys are dropped. Its reconciler, when made with
// `make_reconciler`, writes through a FencedStore carrying the lease's
// fencing token, so a replica that lost the lease (even one paused without
// knowing it) cannot commit a write. Stop() stops the workers first, then
// releases the leases so another replica takes over at once.
//
// Execution: kWorkerThreads runs `workers` threads per controller plus one
// resync thread. kCallerDriven runs nothing in the background: tests call
// RunPending() on their own thread, with a FakeClock, and need no sleeps.
//
// Stop() (also run by the destructor) unsubscribes, stops handing out keys,
// lets reconciles in flight finish and joins every thread. Keys still queued
// are dropped: controllers are level-triggered and a restart lists
// everything again.
//
// Thread-safety: Register() before Start(); then Enqueue(), Stats() and
// Stop() from any thread, except that a Reconciler must not call Stop() (it
// would wait for itself). RunPending() from one thread at a time.
// Errors: InvalidArgument (bad ControllerOptions), FailedPrecondition (wrong
// lifecycle step), NotFound (unknown controller), or the Store's error when
// Start() cannot list the existing resources.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "engine/backoff.h"
#include "engine/controller.h"
#include "store/store.h"

namespace kelola {

struct ControllerOptions {
  std::string name;                // unique; used in logs and Stats()
  std::vector<std::string> kinds;  // resource kinds whose changes enqueue keys
  // Exactly one of these: the reconciler, or a factory called once by
  // Register() with the Store the reconciler must write through (with
  // leader election, a FencedStore carrying this controller's lease; else
  // the manager's store). Controllers that write should use the factory.
  std::shared_ptr<Reconciler> reconciler;
  std::function<std::shared_ptr<Reconciler>(Store& store)> make_reconciler;
  int workers = 1;                                    // threads in kWorkerThreads mode
  Duration resync_period = std::chrono::minutes(10);  // zero disables resync
  BackoffPolicy backoff;                              // retry delays after failed reconciles
};

struct ControllerStats {
  int64_t reconciles = 0;  // Reconcile() calls that returned
  int64_t failures = 0;    // of which returned an error
  int64_t resyncs = 0;     // full listings, the one at Start() included
  size_t queued = 0;       // keys ready now
  size_t delayed = 0;      // keys waiting for a retry or requeue_after
  bool leading = true;     // false while another replica holds the lease
};

// Leader election for every controller of a manager. Durations as in
// LeaderElectionOptions.
struct LeaderElectionConfig {
  std::string holder;  // this replica's identity, unique among replicas
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
};

// "controller/" + name: the lease a controller campaigns for.
std::string ControllerLeaseName(const std::string& controller);

class ControllerManager {
 public:
  enum class Execution { kWorkerThreads, kCallerDriven };

  // `store` and `clock` must outlive the manager.
  ControllerManager(Store& store, Clock& clock);
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;
  ~ControllerManager();

  // Before Register(): every controller registered afterwards runs only
  // while it holds its lease.
  Status EnableLeaderElection(LeaderElectionConfig config);
  Status Register(ControllerOptions options);
  Status Start(Execution execution = Execution::kWorkerThreads);
  // kCallerDriven only: runs due leader election steps and resyncs, then
  // reconciles every key that is ready now (keys that become ready
  // meanwhile wait for the next call).
  // Returns the number of Reconcile() calls made.
  size_t RunPending();
  Status Enqueue(const std::string& controller, const std::string& key);
  Result<ControllerStats> Stats(const std::string& controller) const;
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
