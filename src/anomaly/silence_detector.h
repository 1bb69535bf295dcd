// Silence: a series that used to speak and has (nearly) stopped. Active when
// the last `quiet_buckets` complete buckets plus the bucket in progress hold at
// most `max_quiet_count` events while the buckets before them averaged at least
// `min_baseline_rate` per bucket (over at least as many buckets as the quiet
// span, counted from the series' first event). It stays active, however long the silence
// lasts (the baseline ages out of the window, the memory of it does not),
// until the series speaks again: more than `max_quiet_count` events in the
// quiet span.
//
// Holds the set of silent series. Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "anomaly/bucket_counter.h"
#include "anomaly/detection.h"
#include "base/clock.h"

namespace kelola::anomaly {

struct SilenceParams {
  size_t quiet_buckets = 5;
  uint64_t max_quiet_count = 0;
  double min_baseline_rate = 1.0;
};

struct SilenceVerdict {
  bool silent = false;    // quiet now after a busy baseline
  bool speaking = false;  // more than max_quiet_count in the quiet span
  double quiet_count = 0;
  double baseline_rate = 0;
};

// Pure: the verdict for one window of counts (oldest first, last in progress).
SilenceVerdict DetectSilence(std::span<const uint64_t> window, const SilenceParams& params);

class SilenceDetector {
 public:
  SilenceDetector(std::string rule, SilenceParams params) : rule_(std::move(rule)), params_(params) {}
  std::vector<Detection> Evaluate(const BucketCounter& counter, const Clock& clock);

 private:
  std::string rule_;
  SilenceParams params_;
  std::unordered_map<std::string, bool> silent_;
};

}  // namespace kelola::anomaly
