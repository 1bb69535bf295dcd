// What the autoscaler keeps in a ScalingPolicy's status, and the decision
// record shared by the status, the scale.* events and
// `GET /v1/server-groups/{name}/scaling` (docs/autoscaling.md, "Status").
//
// The status is the autoscaler's durable memory, so a restart or a leader
// change forgets nothing:
//   lastEvaluation    RFC 3339: when the group was last evaluated (the
//                     controller waits an interval after it);
//   recommendations   [[unixMillis, hosts], ...]: this policy's past
//                     recommendations within its stabilization windows;
//   scaleEvents       {"up": [[unixMillis, change]], "down": [...]}: the
//                     group's count changes of the last 30 minutes (for
//                     rate policies; the same in every policy of a group);
//   lastDecision      the group's latest decision (EncodeDecision);
//   signature         a summary of lastDecision: a new decision with the
//                     same signature is not a new event.
// Pure functions; JSON stays inside the .cc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "scale/autoscaler.h"

namespace kelola {

struct DecisionOutcome {
  bool dry_run = false;  // recorded, not acted on
  bool acted = false;    // the group's count was changed to `desired`
  std::string error;     // why it could not act ("" when it could or need not)
};

// The decision with its inputs: per policy the explanation, and for
// per-host readings each host's value and readiness (at most 200 hosts;
// "hostsTruncated" says when there were more). A JSON object.
std::string EncodeDecision(const ScalingDecision& d, const GroupObservation& group,
                           const std::vector<MetricReading>& readings, const DecisionOutcome& outcome);

// "desired|policy:raw:recommended:limit|..." plus the outcome: what makes a
// decision worth a new event.
std::string DecisionSignature(const ScalingDecision& d, const DecisionOutcome& outcome);

struct PolicyScalingStatus {
  std::optional<WallTime> last_evaluation;
  std::vector<ScalingHistory::Recommendation> recommendations;
  std::vector<ScalingHistory::ScaleEvent> scale_up;
  std::vector<ScalingHistory::ScaleEvent> scale_down;
  std::string last_decision_json;  // "" when none
  std::string signature;
};

// Lenient: a status that is not an object, or misses fields, reads as
// empty (a policy never evaluated), so a damaged status costs memory, not
// the controller.
PolicyScalingStatus DecodePolicyScalingStatus(const std::string& status_json);
std::string EncodePolicyScalingStatus(const PolicyScalingStatus& s);

}  // namespace kelola
