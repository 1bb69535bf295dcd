// LeaderElector: campaigns for one Store lease and says when this replica
// leads, like client-go's leaderelection.
//
// Not leading, it tries TryAcquireLease every `retry_period`. Leading, it
// renews every `retry_period`; it gives leadership up (on_stopped_leading)
// when the store says the lease is gone (taken over or released:
// FailedPrecondition/NotFound), or when no renewal has succeeded for
// `renew_deadline` (the store unreachable, say). renew_deadline is shorter
// than lease_duration, so this replica stops acting before another one can
// take the lease; a paused process that misses that moment is stopped by
// the fencing token instead (Fence(), checked by the store on every write).
// The deadline runs from the start of the last successful renewal, because
// the store computed the new expiry after that instant.
//
// After losing the lease it campaigns again. Stop() ends leading
// (on_stopped_leading), then releases the lease so that another replica can
// take over at once instead of waiting for it to expire.
//
// Time comes from the Clock only: tests drive Tick() with a FakeClock; Start()
// runs Tick() on a thread of its own, waiting with Clock::WaitUntil.
//
// Thread-safety: Fence(), IsLeading() from any thread. Callbacks run on the
// thread calling Tick() (the elector thread after Start()) or Stop(); they
// must not call Stop(). Errors: Start() returns InvalidArgument for bad
// options, FailedPrecondition when started twice.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

struct LeaderElectionOptions {
  std::string lease;   // "controller/hosts"
  std::string holder;  // this replica: "host:pid:nonce"
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
};

// InvalidArgument unless 0 < retry_period < renew_deadline < lease_duration
// and lease/holder are set.
Status ValidateLeaderElectionOptions(const LeaderElectionOptions& options);

struct LeaderCallbacks {
  std::function<void(const Lease&)> on_started_leading;
  std::function<void()> on_stopped_leading;
};

class LeaderElector {
 public:
  // `store` and `clock` must outlive the elector.
  LeaderElector(Store& store, Clock& clock, LeaderElectionOptions options, LeaderCallbacks callbacks);
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;
  ~LeaderElector();

  // Runs Tick() on a background thread until Stop().
  Status Start();
  // One step: acquires or renews when due, gives leadership up when the
  // renew deadline passed. Returns when the next step is due.
  MonoTime Tick();
  // Stops the thread (if any); if leading, stops leading and releases the
  // lease (best effort: a store that is down lets it expire instead).
  void Stop();

  bool IsLeading() const;
  // The fence for writes made as leader; nullopt while not leading.
  std::optional<LeaseFence> Fence() const;
  const LeaderElectionOptions& options() const { return options_; }

 private:
  void StopLeadingLocked(std::unique_lock<std::mutex>& lock, const std::string& why);

  Store& store_;
  Clock& clock_;
  const LeaderElectionOptions options_;
  const LeaderCallbacks callbacks_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // wakes the thread for Stop()
  std::optional<Lease> lease_;  // set while leading
  MonoTime last_renewal_start_{};
  MonoTime next_attempt_{};
  bool stopping_ = false;
  bool started_ = false;
  std::mutex tick_mu_;  // one Tick() at a time (thread vs. Stop)
  std::thread thread_;
};

}  // namespace kelola
