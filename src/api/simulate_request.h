// The body of POST /v1/scale/simulate (docs/dashboard.md): a load trace, one
// or more sets of ScalingPolicy documents, the capacity model. The same
// decoders as `kelola scale simulate` read the trace and the policies
// (src/scale); this file only reads the JSON around them, strictly: unknown
// fields and wrong types are InvalidArgument naming the field. Outside input:
// fuzzed by fuzz/simulate_request_fuzz.cc. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "scale/load_trace.h"
#include "scale/simulator.h"

namespace kelola {

// Bounds that keep one request to a few seconds of CPU on an API thread at worst.
constexpr size_t kMaxSimulatePolicySets = 4;
constexpr size_t kMaxSimulateMinutes = 14 * 24 * 60;  // two weeks
constexpr size_t kMaxSimulatePlotPoints = 1500;

struct SimulateRequest {
  LoadTrace trace;
  std::vector<PolicySet> sets;
  CapacityModel model;
  bool baseline = true;  // add the plain HPA, as the CLI does by default
};

Result<SimulateRequest> DecodeSimulateRequest(std::string_view body);

// Runs every set (and the baseline) and answers the JSON text:
// {"minutes","bucketMinutes","demand":[...],"results":[{"name","hostHours",
//  "minutesOverSlo","minutesOverloaded","unservedRequests","scalingActions",
//  "flaps","minHosts","maxHosts","meanUtilization","hosts":[...],
//  "capacity":[...]}]}; the per-minute series are reduced to at most
// kMaxSimulatePlotPoints buckets (the maximum of each bucket).
Result<std::string> RunSimulation(const SimulateRequest& request);

}  // namespace kelola
