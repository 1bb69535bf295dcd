// The what-if simulator: replays a LoadTrace through the autoscaler's own
// code (ReadPolicyMetrics + Decide + ScalingHistory, exactly as the live
// controller calls them) against a capacity model, and scores the result.
//
// Capacity model (docs/autoscaling.md, "The simulator"): every Ready host
// serves `capacity_per_host` requests per minute; a host added by a decision
// is Ready `boot_seconds` later (it costs from the moment it is asked for);
// a removed host goes at once (booting hosts first, then the newest). The
// load of a minute is spread evenly over the Ready hosts, so each host's
//   utilization = requests / (ready hosts × capacity_per_host)
// and the simulator serves three metrics per host: `utilization` (a
// fraction), `cpu` (percent busy, 100 × utilization capped at 100) and
// `requests` (requests per minute on that host). The autoscaler evaluates
// every `interval_seconds`. Pure; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "scale/autoscaler.h"
#include "scale/load_trace.h"
#include "scale/scaling_policy.h"

namespace kelola {

struct CapacityModel {
  double capacity_per_host = 100;  // requests per minute at 100 % utilization
  int boot_seconds = 120;
  int interval_seconds = 15;      // the autoscaler's evaluation period; divides 60
  double slo_utilization = 0.8;   // a minute above this is a minute over the SLO
  int flap_window_seconds = 600;  // a reversal within this long after an action is a flap
  int initial_hosts = 0;          // 0: the policies' combined minimum (all Ready at the start)
  double load_scale = 1;          // multiplies every minute of the trace
};

// One contestant: the policies of one group, combined as the live autoscaler
// combines them.
struct PolicySet {
  std::string name;
  std::vector<ScalingPolicySpec> policies;
};

struct SimulationResult {
  std::string name;
  double host_hours = 0;         // every host from request to removal, booting included
  int minutes_over_slo = 0;      // minutes with utilization > slo_utilization
  int minutes_overloaded = 0;    // minutes with demand above capacity (utilization > 1)
  double unserved_requests = 0;  // demand above capacity, summed
  int scaling_actions = 0;       // decisions that changed the count
  int flaps = 0;                 // actions reversing the previous one within flap_window_seconds
  int min_hosts = 0;
  int max_hosts = 0;
  double mean_utilization = 0;   // over minutes with Ready hosts
  std::vector<int> hosts;        // per minute: hosts at the minute's end
  std::vector<double> capacity;  // per minute: mean Ready hosts × capacity_per_host
};

// The metrics the capacity model serves.
bool SimulatorServesMetric(const std::string& metric);

// InvalidArgument for a bad model, an empty set, policies of different
// groups, or a metric the model does not serve.
Result<SimulationResult> Simulate(const LoadTrace& trace, const PolicySet& set, const CapacityModel& model);

// The plain HPA as a baseline: the bounds and the target-tracking metric and
// target of `like` (cpu at 80, the HPA's default, if it has none), with every
// HPA default (tolerance 0.1, behavior, no warm-up, no schedule).
PolicySet HpaBaseline(const ScalingPolicySpec& like);

}  // namespace kelola
