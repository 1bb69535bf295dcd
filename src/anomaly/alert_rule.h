// AlertRule: the spec of an `AlertRule` resource (docs/alert-rules.md) — which
// log lines a rule counts, how it splits them into series, which detector
// watches those series, and what the resulting alert carries.
//
// ParseAlertRuleSpec checks what a JSON schema cannot: the detector's
// parameters for its type, durations, the RE2 pattern. Errors name the field
// ("spec.match: ..."). RuleMatcher applies a parsed rule to log lines. Both are
// pure; a RuleMatcher is immutable and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "anomaly/detection.h"
#include "anomaly/new_term_detector.h"
#include "anomaly/silence_detector.h"
#include "anomaly/spike_detector.h"
#include "anomaly/threshold_detector.h"
#include "base/clock.h"
#include "base/status.h"

namespace re2 {
class RE2;
}

namespace kelola::anomaly {

enum class DetectorType { kSpike, kNewTerm, kSilence, kFrequency, kFlatline };

// "spike", "new_term", "silence", "frequency", "flatline".
std::string_view DetectorTypeName(DetectorType type);

struct AlertRuleSpec {
  Labels selector;        // every label must equal (empty: all lines)
  std::string min_level;  // canonical level; "" = any level
  std::string match;      // RE2 over the message; "" = every message
  std::vector<std::string> group_by = {"service"};
  DetectorType type = DetectorType::kSpike;
  Duration bucket = std::chrono::minutes(1);
  size_t buckets = 60;  // window / bucket
  SpikeParams spike;
  NewTermParams new_term;
  SilenceParams silence;
  ThresholdParams threshold;
  Duration pending_for = Duration::zero();  // `for`: how long a condition holds before the alert fires
  std::string severity = "warning";
  Labels labels;
  Labels annotations;
};

// `spec` has passed the kind's schema (types and unknown fields are checked
// there); this checks values and combinations.
Result<AlertRuleSpec> ParseAlertRuleSpec(const nlohmann::json& spec);

// The counter options a rule's detector needs.
CounterOptions CounterOptionsFor(const AlertRuleSpec& rule);

class RuleMatcher {
 public:
  static Result<RuleMatcher> Compile(const AlertRuleSpec& rule);

  // Whether a line counts for the rule: labels match the selector, level at
  // least min_level, message matches `match`.
  bool Matches(const Labels& line_labels, std::string_view level, std::string_view message) const;
  // The series a matching line counts in: its values of group_by (a missing
  // label counts as "").
  Labels SeriesOf(const Labels& line_labels) const;

 private:
  AlertRuleSpec rule_;
  int min_rank_ = -1;
  std::shared_ptr<const re2::RE2> pattern_;
};

}  // namespace kelola::anomaly
