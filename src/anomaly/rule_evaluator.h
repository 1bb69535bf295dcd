// RuleEvaluator: one AlertRule at work — the rule's line matcher, a
// BucketCounter sized for it, and the detector its type names. Feed it lines
// (Observe) and ask it what holds now (Evaluate); this is the one object the
// alert lifecycle needs per AlertRule.
//
// Every Detection carries the series labels plus the rule's `labels` and
// `severity`. Not thread-safe: the owner serialises Observe and Evaluate.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "anomaly/alert_rule.h"
#include "anomaly/bucket_counter.h"
#include "anomaly/detection.h"
#include "base/clock.h"
#include "base/status.h"

namespace kelola::anomaly {

class RuleEvaluator {
 public:
  // `started`: when watching began (new_term's learnFor counts from it).
  static Result<std::unique_ptr<RuleEvaluator>> Create(std::string rule_name, AlertRuleSpec spec, WallTime started);

  // Counts the line when the rule selects it; returns whether it did.
  bool Observe(const Labels& line_labels, std::string_view level, std::string_view message, WallTime t);
  // Registers a series with no events, so silence/flatline can watch a
  // service before (or without) its first line.
  void Watch(const Labels& series, WallTime t) { counter_.Add(series, t, 0); }

  std::vector<Detection> Evaluate(const Clock& clock);

  const AlertRuleSpec& spec() const { return spec_; }
  const std::string& name() const { return name_; }

 private:
  RuleEvaluator(std::string name, AlertRuleSpec spec, RuleMatcher matcher, WallTime started);

  std::string name_;
  AlertRuleSpec spec_;
  RuleMatcher matcher_;
  BucketCounter counter_;
  SpikeDetector spike_;
  NewTermDetector new_term_;
  SilenceDetector silence_;
  ThresholdDetector threshold_;
};

}  // namespace kelola::anomaly
