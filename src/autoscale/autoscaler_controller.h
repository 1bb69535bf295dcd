// AutoscalerController: the live autoscaler (issue #9, docs/autoscaling.md).
//
// A leader-elected controller (lease controller/autoscaler) watching
// ServerGroup and ScalingPolicy. A "ScalingPolicy/p" key only keeps an
// index policy → group up to date; a "ServerGroup/g" key evaluates the
// group when `interval` has passed since its last evaluation (recorded in
// its policies' status, so a restart or a new leader keeps the pace) and
// asks to be called again after the interval:
//   1. the group's policies (ScalingPolicy with spec.group = g, valid ones);
//   2. the ScalingHistory from their status (scaling_status.h): past
//      recommendations and the group's recent scale events, so
//      stabilization windows and rate policies survive restarts;
//   3. GroupObservation from the fleet (group_observation.h), the metrics
//      through the MetricReader (metric_readers.h), then the very
//      ReadPolicyMetrics + Decide the simulator runs (src/scale);
//   4. when desired != current and neither the server (`dry_run`) nor any
//      policy of the group (spec.dryRun) is in dry-run: the group's
//      spec.count is written (optimistic concurrency: on a conflict it is
//      read again and written again unless someone else changed the count
//      meanwhile, then the decision is dropped for this interval), and
//      RecordScale remembers the change; the fleet's group controller does
//      the rest;
//   5. events, subject "ServerGroup/g", data = the decision with its inputs
//      and explanation: "scale.action" when the count was changed,
//      "scale.decision" when a decision that did not act differs from the
//      previous one (a dry-run decision to scale, a limit that holds the
//      count, a failed write); an unchanged steady state writes no event;
//   6. every policy's status: lastEvaluation, its recommendations, the
//      group's scale events and lastDecision (what `kelola scale explain`
//      prints).
// A group labelled kelola.io/deleting is not scaled. The count is capped at
// 1000, a ServerGroup's maximum. Per-team quotas are the API's: the
// autoscaler stays within the policy's maxHosts only.
//
// Thread-safety: the engine calls Reconcile for one key at a time; the
// index has its own lock, so several workers are safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "engine/controller.h"
#include "engine/controller_manager.h"
#include "scale/autoscaler.h"
#include "scale/metric_reader.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kAutoscalerControllerName = "autoscaler";
inline constexpr const char* kAutoscalerActor = "autoscaler";

struct AutoscalerOptions {
  Clock* clock = nullptr;
  MetricReader* reader = nullptr;  // outlives the controller
  Duration interval = std::chrono::seconds(15);
  bool dry_run = false;  // the whole server: record decisions, never act
};

class AutoscalerController : public Reconciler {
 public:
  AutoscalerController(Store& store, AutoscalerOptions options);
  Result<ReconcileResult> Reconcile(const std::string& key) override;

 private:
  Result<ReconcileResult> ReconcilePolicy(const std::string& name);
  Result<ReconcileResult> ReconcileGroup(const std::string& name);
  Status EnsureIndexed();

  Store& store_;
  AutoscalerOptions options_;
  std::mutex mu_;
  bool indexed_ = false;
  std::map<std::string, std::string> policy_group_;  // policy name -> its spec.group
};

// Registers the controller (kinds ServerGroup and ScalingPolicy).
Status RegisterAutoscalerController(ControllerManager& manager, AutoscalerOptions options, int workers = 1);

}  // namespace kelola
