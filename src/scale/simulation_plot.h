// RenderSimulationSvg: a plain SVG (no dependency) of a simulation: load and
// each contestant's capacity in requests per minute (top), and each
// contestant's host count (bottom), over a range of the trace's minutes.
// Long ranges are drawn in buckets of several minutes: the bucket's mean
// load, mean capacity and mean host count.
#pragma once

#include <string>
#include <vector>

#include "scale/load_trace.h"
#include "scale/simulator.h"

namespace kelola {

std::string RenderSimulationSvg(const LoadTrace& trace, double load_scale, const std::vector<SimulationResult>& runs,
                                size_t from_minute, size_t minutes);

}  // namespace kelola
