// Detection: what a detector says about one series at one evaluation — "this
// condition holds now" (active) or "it no longer holds" — with the numbers
// behind it. Detectors emit one Detection per series they know, every
// evaluation; turning active/inactive into pending/firing/resolved alerts is the
// alert lifecycle's job (src/alerting), not theirs.
#pragma once

#include <map>
#include <string>

#include "base/clock.h"

namespace kelola::anomaly {

// A series' identity: label name -> value, e.g. {service=api, template=T12}.
using Labels = std::map<std::string, std::string>;

struct Detection {
  std::string rule;      // the AlertRule (or detector) name
  Labels labels;         // the series the condition is about
  bool active = false;   // the condition holds now
  double value = 0;      // the measured figure (count in the window, ...)
  double threshold = 0;  // the figure `value` was compared with
  std::string summary;   // one sentence for people
  WallTime at{};         // evaluation time
};

// "k1=v1,k2=v2" in label order: a stable text key for a label set.
std::string LabelsKey(const Labels& labels);

}  // namespace kelola::anomaly
