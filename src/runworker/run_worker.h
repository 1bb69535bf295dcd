// RunWorker: runs queued pipeline runs on this replica.
//
// Every replica may run runs. The worker claims the oldest queued runs while
// fewer than `max_concurrent` of its own are running: a claim is an
// UpdateRun to status running with claimedBy = this replica, under the
// row's version, so of two replicas racing for a run exactly one wins (the
// other gets Aborted and moves on). Each claimed run executes on its own
// thread (RunExecution). The worker wakes on run events (a new run, a
// cancel request) and polls every `poll` anyway.
//
// While a run executes the worker writes its heartbeatAt every
// `heartbeat`, and reads it back every poll: a cancel request
// (cancelRequested, from the API or cancel_previous) kills the running step
// at once through its StepCancel and the run ends cancelled.
//
// Recovery (docs/pipelines.md): at Start(), runs left `running` under this
// replica's name (a crash or SIGKILL of this server) are marked failed with
// reason "interrupted" (retry them with `kelola runs retry`); and at every
// poll, a run of any replica whose heartbeat is older than `stale_after`
// (its replica died and did not come back) is marked the same way. Queued
// runs are untouched and get picked up. Stop() interrupts what runs here the
// same way (reason "interrupted") and waits for it.
// `max_concurrent` 0 makes a replica that runs nothing (it still recovers).
// Thread-safety: Start/Stop from one thread.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "runworker/run_execution.h"

namespace kelola {

struct RunWorkerOptions {
  // Stable across restarts of the same server (the daemon uses
  // "HOST:DATA_DIR"), so a restarted server recognises its own runs.
  std::string replica;
  int max_concurrent = 2;
  Duration poll = std::chrono::seconds(1);
  Duration heartbeat = std::chrono::seconds(10);
  Duration stale_after = std::chrono::seconds(60);  // 0 = never
};

class RunWorker {
 public:
  RunWorker(RunEnvironment& env, RunWorkerOptions options) : env_(env), options_(std::move(options)) {}
  ~RunWorker() { Stop(); }
  RunWorker(const RunWorker&) = delete;
  RunWorker& operator=(const RunWorker&) = delete;

  // Recovers this replica's interrupted runs, then starts claiming.
  Status Start();
  void Stop();
  // Runs claimed and not yet finished on this replica.
  int active() const;

  // One pass (claim, watch, recover stale); what the loop does each wakeup.
  void Pass();

 private:
  struct Active {
    std::unique_ptr<RunExecution> execution;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };

  void Loop();
  void Claim();
  void Watch();
  void Reap(bool all);
  // Marks a run left running failed/interrupted; true when it did.
  bool Interrupt(Run run, const std::string& why);
  void RecoverRuns(bool own_only);

  RunEnvironment& env_;
  RunWorkerOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool wake_ = false;
  std::map<std::string, Active> active_;
  std::thread loop_;
  std::unique_ptr<Store::Subscription> subscription_;
  MonoTime last_heartbeat_{};
  std::string last_error_;  // the last store error logged (loop thread only)
};

}  // namespace kelola
