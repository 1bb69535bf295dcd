#include "anomaly/new_term_detector.h"

#include <numeric>

#include "fmt/format.h"

namespace kelola::anomaly {

NewTermDetector::NewTermDetector(std::string rule, NewTermParams params, WallTime started)
    : rule_(std::move(rule)), params_(params), started_(started) {}

void NewTermDetector::Remember(const std::string& key) {
  if (!known_.insert(key).second) return;
  order_.push_back(key);
  while (order_.size() > std::max<size_t>(params_.max_terms, 1)) {
    known_.erase(order_.front());
    order_.pop_front();
  }
}

std::vector<Detection> NewTermDetector::Evaluate(const BucketCounter& counter, const Clock& clock) {
  const WallTime now = clock.Now();
  std::vector<Detection> out;
  const bool learning = now < started_ + params_.learn_for;
  for (const SeriesWindow& w : counter.Windows(now)) {
    const uint64_t total = std::accumulate(w.counts.begin(), w.counts.end(), uint64_t{0});
    if (total == 0) continue;  // registered but never spoke
    const std::string key = LabelsKey(w.labels);
    if (known_.count(key) > 0) continue;
    Remember(key);
    if (learning || w.first_seen < started_) continue;
    firing_.emplace(key, Firing{w.labels, now});
  }
  for (auto it = firing_.begin(); it != firing_.end();) {
    const bool active = now < it->second.since + params_.hold_for;
    Detection d{rule_, it->second.labels, active, 1, 0, "", now};
    d.summary = active
                    ? fmt::format("new term {} first seen at {}", LabelsKey(d.labels), FormatRfc3339(it->second.since))
                    : fmt::format("new term {} is now known", LabelsKey(d.labels));
    out.push_back(std::move(d));
    it = active ? std::next(it) : firing_.erase(it);
  }
  return out;
}

}  // namespace kelola::anomaly
