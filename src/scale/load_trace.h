// LoadTrace: a recorded load as requests per minute, for the simulator.
//
// Accepted CSV (docs/autoscaling.md, "Trace format"): `#` comment lines and
// blank lines anywhere; the first other line is a header naming the columns:
//   minute,requests      one row per minute offset (the NASA trace's form);
//                        offsets increase, gaps are minutes without requests
//   timestamp,requests   RFC 3339 or Unix seconds, summed per UTC minute
//   timestamp            one row per request (an access log reduced to its
//                        times), counted per minute
// Errors name the file and line ("trace.csv:14: requests: \"x\" is not a
// number"). Pure; the caller reads the file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

struct LoadTrace {
  WallTime start;                // the first minute
  std::vector<double> requests;  // requests in each minute from `start`
};

// At most a year of minutes: a longer span is InvalidArgument.
constexpr size_t kMaxTraceMinutes = 366 * 24 * 60;

// `start` places a `minute,requests` trace in time (schedules are evaluated
// against it); timestamped traces carry their own.
Result<LoadTrace> ParseLoadTrace(std::string_view text, const std::string& source, WallTime start);

}  // namespace kelola
