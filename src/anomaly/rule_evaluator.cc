#include "anomaly/rule_evaluator.h"

namespace kelola::anomaly {

Result<std::unique_ptr<RuleEvaluator>> RuleEvaluator::Create(std::string rule_name, AlertRuleSpec spec,
                                                             WallTime started) {
  KELOLA_ASSIGN_OR_RETURN(RuleMatcher matcher, RuleMatcher::Compile(spec));
  return std::unique_ptr<RuleEvaluator>(
      new RuleEvaluator(std::move(rule_name), std::move(spec), std::move(matcher), started));
}

RuleEvaluator::RuleEvaluator(std::string name, AlertRuleSpec spec, RuleMatcher matcher, WallTime started)
    : name_(std::move(name)),
      spec_(std::move(spec)),
      matcher_(std::move(matcher)),
      counter_(CounterOptionsFor(spec_)),
      spike_(name_, spec_.spike),
      new_term_(name_, spec_.new_term, started),
      silence_(name_, spec_.silence),
      threshold_(name_, spec_.threshold) {}

bool RuleEvaluator::Observe(const Labels& line_labels, std::string_view level, std::string_view message, WallTime t) {
  if (!matcher_.Matches(line_labels, level, message)) return false;
  counter_.Add(matcher_.SeriesOf(line_labels), t);
  return true;
}

std::vector<Detection> RuleEvaluator::Evaluate(const Clock& clock) {
  std::vector<Detection> out;
  switch (spec_.type) {
    case DetectorType::kSpike: out = spike_.Evaluate(counter_, clock); break;
    case DetectorType::kNewTerm: out = new_term_.Evaluate(counter_, clock); break;
    case DetectorType::kSilence: out = silence_.Evaluate(counter_, clock); break;
    case DetectorType::kFrequency:
    case DetectorType::kFlatline: out = threshold_.Evaluate(counter_, clock); break;
  }
  for (Detection& d : out) {
    for (const auto& [k, v] : spec_.labels) d.labels.emplace(k, v);
    d.labels.emplace("severity", spec_.severity);
  }
  return out;
}

}  // namespace kelola::anomaly
