// New term: a series (e.g. {service, template} of lines at error level or
// above) never seen before. Like ElastAlert's new_term rule: terms seen during
// the first `learn_for` after the detector starts are the baseline and never
// alert. A new term is active for `hold_for` after it was first noticed, then
// reported inactive once, and never fires again (the term is known from then on).
//
// Holds the set of known terms (bounded by `max_terms`; beyond it the oldest
// known terms are forgotten). Not thread-safe.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "anomaly/bucket_counter.h"
#include "anomaly/detection.h"
#include "base/clock.h"

namespace kelola::anomaly {

struct NewTermParams {
  Duration learn_for = std::chrono::minutes(0);
  Duration hold_for = std::chrono::minutes(10);
  size_t max_terms = 100000;
};

class NewTermDetector {
 public:
  // `started` is when the detector began watching (the start of learn_for).
  NewTermDetector(std::string rule, NewTermParams params, WallTime started);

  // Detections for terms that are new (active) or whose hold just ended
  // (inactive, once). Terms known and quiet produce nothing.
  std::vector<Detection> Evaluate(const BucketCounter& counter, const Clock& clock);

  bool Known(const Labels& term) const { return known_.count(LabelsKey(term)) > 0; }

 private:
  void Remember(const std::string& key);

  std::string rule_;
  NewTermParams params_;
  WallTime started_;
  std::unordered_set<std::string> known_;
  std::deque<std::string> order_;  // insertion order, for the bound
  struct Firing {
    Labels labels;
    WallTime since;
  };
  std::unordered_map<std::string, Firing> firing_;
};

}  // namespace kelola::anomaly
