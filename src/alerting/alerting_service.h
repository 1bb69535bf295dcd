// AlertingService: runs the AlertManager in `kelola server` — one loop
// thread that applies detector signals, drives the manager with the clock
// and sends due notifications through the configured Notifiers.
//
// Several replicas may share one store: the service campaigns for the
// store lease "controller/alerting" (engine/leader_elector.h) and only the
// leader processes, writing through a FencedStore so a replica that lost
// the lease cannot commit. On gaining leadership it rebuilds the manager
// from the store (AlertManager::Load), so it continues where the previous
// leader stopped without repeating its notifications. Signals reported on
// a replica that does not lead are dropped: detectors run beside the
// manager on the leader.
//
// Thread-safety: Report() from any thread; Start()/Stop() from one.
// Step() is for tests (Start(false)): one pass of the loop on the caller's
// thread, leader election included.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "alerting/alert_manager.h"
#include "engine/fenced_store.h"
#include "engine/leader_elector.h"

namespace kelola {

inline constexpr const char* kAlertingLease = "controller/alerting";

struct AlertingServiceOptions {
  LeaderElectionOptions election;               // lease and holder are filled in when empty
  Duration max_wait = std::chrono::seconds(1);  // the longest the loop sleeps
  size_t max_queued_signals = 100000;           // beyond this, signals are dropped (and counted)
  AlertManagerOptions manager;
};

class AlertingService {
 public:
  // `store`, `clock` and the notifiers must outlive the service.
  AlertingService(Store& store, Clock& clock, RoutingConfig config, std::map<std::string, Notifier*> receivers,
                  AlertingServiceOptions options);
  ~AlertingService();
  AlertingService(const AlertingService&) = delete;
  AlertingService& operator=(const AlertingService&) = delete;

  // background: the elector's and the loop's threads; else tests call Step().
  Status Start(bool background = true);
  void Stop();

  void Report(AlertSignal signal);
  // One pass: election step, then (when leading) load if needed, apply the
  // queued signals, Process(). Returns when the next pass is due.
  MonoTime Step();

  bool IsLeading() const { return elector_.IsLeading(); }
  uint64_t dropped_signals() const;

 private:
  void Loop();

  Store& store_;
  Clock& clock_;
  RoutingConfig config_;
  std::map<std::string, Notifier*> receivers_;
  AlertingServiceOptions options_;
  LeaderElector elector_;
  FencedStore fenced_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<AlertSignal> queue_;
  uint64_t dropped_ = 0;
  bool stopping_ = false;
  bool background_ = false;
  std::thread thread_;

  std::atomic<bool> reload_{false};
  std::mutex step_mu_;                     // one Step() at a time
  std::unique_ptr<AlertManager> manager_;  // while leading
};

}  // namespace kelola
