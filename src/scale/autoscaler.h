// The autoscaling decision: the Kubernetes HPA's algorithm for hosts.
//
// Decide() takes one group's policies, what the group looks like now (its
// desired count and its hosts' readiness), one metric reading per policy, the
// time and the group's ScalingHistory, and returns the new desired count
// with an explanation per policy: the inputs, the formula
// ("ceil(4 × 82.0 / 60.0) = 6") and which limit clipped it (tolerance,
// stabilization window, rate policy, min/max, schedule, fallback).
//
// Per policy, in the HPA's order (docs/autoscaling.md has the arithmetic):
//   1. bounds: minHosts/maxHosts, replaced while a schedule is active; a
//      count outside them goes straight to the bound;
//   2. the metric's recommendation (target tracking with tolerance and the
//      HPA's treatment of warming and missing hosts; or step scaling), or the
//      fallback when the reading failed; a schedule's `desired` is a floor;
//   3. stabilization: min over the scale-up window, max over the
//      scale-down window of this policy's past recommendations;
//   4. rate policies over the group's recent scale events, then min/max.
// Policies combine by max: scale out if any says out, in only if all agree.
//
// Pure: no clock, no I/O. The caller owns the ScalingHistory (one per group),
// passes it to every Decide and calls RecordScale after it changed the
// group's count (not in dry-run: only real changes count against rates).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "scale/metric_reader.h"
#include "scale/scaling_policy.h"

namespace kelola {

struct GroupObservation {
  std::string group;
  int current = 0;  // the group's desired count now (the HPA's currentReplicas)
  std::vector<ScalingHost> hosts;
};

// What shaped a policy's recommendation last (the last limit that changed it).
enum class ScalingLimit {
  kNone,           // the metric's recommendation went through unchanged
  kTolerance,      // |value/target − 1| within the tolerance: hold
  kNoChange,       // no step matched, warming hosts, zero hosts: hold
  kFallback,       // the metric source failed: fallback desired or hold
  kSchedule,       // a schedule's desired raised it
  kStabilization,  // the scale-up or scale-down window
  kRatePolicy,     // behavior policies (or selectPolicy Disabled)
  kMin,            // minHosts (or a schedule's min)
  kMax,            // maxHosts (or a schedule's max)
};
std::string_view ScalingLimitName(ScalingLimit l);

struct PolicyExplanation {
  std::string policy;
  std::string metric;  // "" for a scheduled-only policy
  double value = 0;    // the metric value used (average over counted hosts)
  double target = 0;   // target tracking: the target
  int hosts_counted = 0;
  int hosts_warming = 0;  // not Ready, or Ready for less than warmupSeconds
  int hosts_missing = 0;  // warm but without a sample
  Status metric_status;   // the reading's error, when the fallback applied
  int min = 0;            // the bounds in force
  int max = 0;
  std::vector<std::string> active_schedules;  // cron texts
  std::string formula;                        // "ceil(4 × 82.0 / 60.0) = 6"
  int raw = 0;                                // after step 2
  int stabilized = 0;                         // after step 3
  int recommended = 0;                        // after step 4: the policy's answer
  ScalingLimit limit = ScalingLimit::kNone;
  std::string limit_detail;  // "scaleUp policies (Max): at most 8 = 4 + 4 Hosts per 15 s"
};

struct ScalingDecision {
  std::string group;
  WallTime at;
  int current = 0;
  int desired = 0;
  std::string deciding_policy;  // the policy whose recommendation won ("" if none)
  std::vector<PolicyExplanation> policies;
  // One line per policy, for events and `kelola scale explain`.
  std::string Explain() const;
};

// The memory of one group's autoscaler: past recommendations per policy (for
// stabilization) and past changes of the count (for rate policies).
struct ScalingHistory {
  struct Recommendation {
    WallTime at;
    int hosts = 0;
  };
  struct ScaleEvent {
    WallTime at;
    int change = 0;  // > 0
  };
  std::map<std::string, std::vector<Recommendation>> recommendations;  // by policy name
  std::vector<ScaleEvent> scale_up;
  std::vector<ScaleEvent> scale_down;

  // Call after the group's count changed from `from` to `to`.
  void RecordScale(WallTime at, int from, int to);
};

// `readings[i]` is the reading of policies[i].metric() (ignored for a policy
// without a metric); readings.size() must equal policies.size().
ScalingDecision Decide(const std::vector<ScalingPolicySpec>& policies, const GroupObservation& group,
                       const std::vector<MetricReading>& readings, WallTime now, ScalingHistory& history);

// Reads every policy's metric through `reader` (each distinct metric once).
std::vector<MetricReading> ReadPolicyMetrics(MetricReader& reader, const std::vector<ScalingPolicySpec>& policies,
                                             const GroupObservation& group);

}  // namespace kelola
