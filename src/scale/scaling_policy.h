// ScalingPolicySpec: a ScalingPolicy resource's spec as values, decoded
// strictly from JSON or YAML with errors naming the field
// ("spec.behavior.scaleDown.policies[0].periodSeconds must be between 1 and
// 1800, got 0").
//
// A policy is attached to one ServerGroup (`group`) and bounds it with
// minHosts/maxHosts. It recommends a host count from at most one metric rule
// (target tracking or step scaling) and/or scheduled capacity, shaped by the
// HPA-style `behavior` (stabilization windows and rate policies), ignores the
// metrics of hosts still warming up, and says what to do when the metric
// source fails. docs/autoscaling.md describes every field. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "scale/cron_schedule.h"

namespace kelola {

// Keep the average of `metric` over the group's hosts near `target`:
// desired = ceil(hosts × value / target), unless |value/target − 1| <= tolerance.
struct TargetTrackingSpec {
  std::string metric;
  double target = 0;       // > 0, in the metric's unit (cpu: percent)
  double tolerance = 0.1;  // the HPA's default
};

enum class AdjustmentType { kHosts, kPercent };

// One band of step scaling: applies when lower <= value < upper (a missing
// bound is open). adjustment is a change in hosts, or in percent of the
// current count (rounded like AWS step scaling: away from zero to at least
// one host, then toward zero).
struct ScalingStep {
  std::optional<double> lower;
  std::optional<double> upper;
  int adjustment = 0;
  AdjustmentType type = AdjustmentType::kHosts;
};

struct StepScalingSpec {
  std::string metric;
  std::vector<ScalingStep> steps;  // bands do not overlap
};

// While `cron` matches the current minute (UTC), min and/or max replace the
// policy's bounds and `desired` is a recommendation that goes through the
// behavior (rate policies) like a metric's would.
struct ScheduledCapacity {
  CronSchedule cron;
  std::optional<int> min;
  std::optional<int> max;
  std::optional<int> desired;
};

// HPAScalingPolicy: "Hosts" is the HPA's "Pods".
struct RatePolicy {
  AdjustmentType type = AdjustmentType::kHosts;
  int value = 0;           // > 0
  int period_seconds = 0;  // 1..1800
};

enum class SelectPolicy { kMax, kMin, kDisabled };

// HPAScalingRules for one direction.
struct ScalingRules {
  int stabilization_window_seconds = 0;  // 0..3600
  SelectPolicy select = SelectPolicy::kMax;
  std::vector<RatePolicy> policies;
};

// The HPA defaults: scale up by max(100 %, 4 hosts) per 15 s with no
// stabilization; scale down by up to 100 % per 15 s after a 300 s window.
ScalingRules DefaultScaleUpRules();
ScalingRules DefaultScaleDownRules();

struct FallbackSpec {
  // nullopt = "hold": recommend the current count (which, combined with the
  // other policies by max, allows scale-out by them but no scale-in: the
  // HPA's behaviour when some metrics are invalid).
  std::optional<int> desired;
};

struct ScalingPolicySpec {
  std::string name;   // the resource name
  std::string group;  // the ServerGroup it scales
  int min_hosts = 1;
  int max_hosts = 0;  // required; >= min_hosts
  std::optional<TargetTrackingSpec> target_tracking;
  std::optional<StepScalingSpec> step_scaling;
  std::vector<ScheduledCapacity> scheduled;
  ScalingRules scale_up = DefaultScaleUpRules();
  ScalingRules scale_down = DefaultScaleDownRules();
  int warmup_seconds = 0;  // 0..3600
  FallbackSpec fallback;
  // Decisions are recorded and explained but the group's count is never
  // changed (the live controller; one dry-run policy makes its group dry-run).
  bool dry_run = false;

  // The metric the policy reads ("" for a purely scheduled policy).
  const std::string& metric() const;
};

// Decodes and validates a spec (a JSON object). InvalidArgument naming the
// field: unknown keys, wrong types, minHosts > maxHosts, an empty metric, no
// rule at all, both targetTracking and stepScaling, overlapping steps, a bad
// cron expression, rate policies out of the HPA's ranges.
Result<ScalingPolicySpec> DecodeScalingPolicySpec(const std::string& name, const std::string& spec_json);

// Reads a policy file (YAML or JSON): one or more documents, each either a
// full resource (`kind: ScalingPolicy`, `metadata.name`, `spec`) or a bare
// spec (then named after the file and its position). Errors start with
// `source:line:`.
Result<std::vector<ScalingPolicySpec>> ParseScalingPolicyFile(std::string_view text, const std::string& source);

std::string_view SelectPolicyName(SelectPolicy s);  // Max | Min | Disabled

}  // namespace kelola
