// Error-rate spike against a robust baseline.
//
// The window's last element is the bucket in progress, the one before it the
// last complete bucket. The "current" figure is the larger of the two, so a
// spike fires while its first bucket is still filling and holds until a full
// bucket has come back down. The baseline is the EWMA of the buckets before
// those two; its spread is the MAD (scaled to a standard deviation), floored at
// the Poisson spread sqrt(baseline) so a perfectly flat history does not make
// every wobble a spike. A spike needs all of:
//   current >= min_count                      (one error at 3 a.m. is not a spike)
//   current >= baseline + sensitivity * spread
//   current >= min_ratio * baseline           (ElastAlert's spike_height)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "anomaly/bucket_counter.h"
#include "anomaly/detection.h"
#include "base/clock.h"

namespace kelola::anomaly {

struct SpikeParams {
  double sensitivity = 4.0;
  uint64_t min_count = 10;
  double min_ratio = 2.0;
  double alpha = 0.3;      // EWMA weight of the newest history bucket
  size_t min_history = 5;  // fewer history buckets: never a spike (still learning)
};

struct SpikeVerdict {
  bool spike = false;
  double current = 0;
  double baseline = 0;
  double spread = 0;
  double threshold = 0;
};

// Pure: the verdict for one window of counts (oldest first).
SpikeVerdict DetectSpike(std::span<const uint64_t> window, const SpikeParams& params);

// One Detection per series of the counter, every evaluation. Stateless.
class SpikeDetector {
 public:
  SpikeDetector(std::string rule, SpikeParams params) : rule_(std::move(rule)), params_(params) {}
  std::vector<Detection> Evaluate(const BucketCounter& counter, const Clock& clock) const;

 private:
  std::string rule_;
  SpikeParams params_;
};

}  // namespace kelola::anomaly
