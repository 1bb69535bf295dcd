// ReleaseController: takes each Release from Pending to its end — the deploy
// reconcile loop (docs/deploys.md). Leader-elected like the fleet's
// controllers: one replica runs rollouts, writes are fenced.
//
// Keys "Release/<name>" and "Target/<name>" both reconcile the target; a
// target's releases go one at a time (a reconcile that finds the target busy
// on this replica requeues). One reconcile of a target:
// 1. a RollingOut release that no one here is running was interrupted (the
//    leader died or stopped mid-rollout): it is rolled back to its previous
//    release everywhere (all units) and marked RolledBack — not bad, the
//    version was not at fault — or Failed when that is impossible;
// 2. Pending releases labelled kelola.io/cancel end Failed "cancelled";
// 3. the newest Pending release runs; older Pending ones are Superseded
//    without starting (a newer request supersedes an older waiting one);
// 4. running: the image's tag is resolved to a digest ("image ... not found
//    in registry ..."), the Target must exist and decode, the kind must have
//    a RolloutStrategy ("no rollout strategy for kind ..."), a
//    dockerhosts target must match Ready Hosts ("no host matches ..."); any
//    of these fails the release (Failed, not bad) with nothing touched. Then
//    RollingOut: the strategy's Rollout with progress in the status
//    (throttled) and every step as an event; success → Succeeded and the
//    previous live release Superseded; failure → RollBack of the touched
//    units → RolledBack + bad (Failed + bad when the rollback failed too, with
//    both reasons; Failed + bad without a previous release); a cancel
//    mid-rollout → rolled back, not bad.
// A rollback release (spec.rollbackOf) marks the release it undoes bad and
// rolled_back_by when it starts, and RolledBack when it succeeds.
// Events (subject "Release/<name>", data target + release):
// deploy.release.{started,succeeded,failed,rolled-back,superseded,cancelled,
// interrupted} plus the strategy's own steps (deploy.host.*, deploy.k8s.*).
//
// Shutdown: when `stopping` turns true the strategy is asked to stop
// (keep_going) and the release is left RollingOut; the next leader treats it
// as interrupted (1.).
// Thread-safety: reconciles for different targets run concurrently.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "deploy/image_resolver.h"
#include "deploy/rollout_strategy.h"
#include "engine/controller.h"
#include "engine/controller_manager.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kReleaseControllerName = "deploy-releases";

struct ReleaseControllerOptions {
  const RolloutStrategyRegistry* strategies = nullptr;  // outlives the controller
  ImageResolver* images = nullptr;                      // outlives the controller
  Clock* clock = nullptr;
  // Secret values for the strategies (never logged).
  std::function<Result<std::string>(const std::string& secret, const std::string& key)> secret;
  std::string known_hosts_path;                                 // for the dockerhosts inventory
  Duration progress_interval = std::chrono::milliseconds(500);  // status writes at most this often
  Duration busy_requeue = std::chrono::seconds(2);              // a target busy here is looked at again after this
  const std::atomic<bool>* stopping = nullptr;                  // server shutdown: stop rollouts, leave them RollingOut
};

class ReleaseController : public Reconciler {
 public:
  ReleaseController(Store& store, ReleaseControllerOptions options);
  Result<ReconcileResult> Reconcile(const std::string& key) override;

 private:
  class Run;
  Result<ReconcileResult> ReconcileTarget(const std::string& target);
  bool Claim(const std::string& target);
  void Unclaim(const std::string& target);

  Store& store_;
  ReleaseControllerOptions options_;
  std::mutex mu_;
  std::set<std::string> busy_;  // targets with a reconcile in flight on this replica
};

// Registers the controller (kinds Release and Target) with `manager`.
Status RegisterReleaseController(ControllerManager& manager, ReleaseControllerOptions options, int workers = 4);

}  // namespace kelola
