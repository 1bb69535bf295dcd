// Rendering of fleet run results for people (a table, a progress line) and
// for programs (JSON). Output of remote commands is shown, never
// interpreted: control characters are escaped in the table and invalid
// UTF-8 becomes U+FFFD in JSON.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "ssh/fleet_runner.h"

namespace kelola {

struct FleetTableOptions {
  size_t output_width = 60;  // characters of output (or error) shown per host
};

// One row per host (HOST TARGET RESULT EXIT KIND CHANGED TIME OUTPUT), then
// a summary line; for a failed host the OUTPUT column shows the error, or
// the first line of stderr.
std::string RenderFleetTable(const FleetRunReport& report, const FleetTableOptions& options = {});

// {"summary": {...}, "hosts": [{"host", "target", "state", "batch",
// "exitCode", "errorKind", "error", "stdout", "stderr", "changed",
// "durationMs", "steps": [{"name", "state", "message", "durationMs"}]}]}
std::string RenderFleetJson(const FleetRunReport& report);

// "[ 12/20] ok 10  failed 2  running 5  batch 2/4" — for a terminal, the
// caller adds "\r" and clears the line. With `elapsed` (>= 0) the line ends
// in "  12.3s".
std::string FormatFleetProgress(const FleetProgress& progress, Duration elapsed = Duration(-1));

}  // namespace kelola
