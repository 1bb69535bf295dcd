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
  std::shared_ptr<Reconciler> reconciler;
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
};

class ControllerManager {
 public:
  enum class Execution { kWorkerThreads, kCallerDriven };

  // `store` and `clock` must outlive the manager.
  ControllerManager(Store& store, Clock& clock);
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;
  ~ControllerManager();

  Status Register(ControllerOptions options);
  Status Start(Execution execution = Execution::kWorkerThreads);
  // kCallerDriven only: runs due resyncs, then reconciles every key that is
  // ready now (keys that become ready meanwhile wait for the next call).
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
