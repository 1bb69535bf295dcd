// ElastAlert's frequency and flatline rules over counted matches of a log
// query: the sum of the last `timeframe_buckets` buckets (the bucket in
// progress included) compared with `threshold`.
//   frequency: active when sum >= threshold ("N matches in the window");
//   flatline:  active when sum <  threshold, once the series has been watched
//              for a whole timeframe (no flatline alert right after start).
// Stateless.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "anomaly/bucket_counter.h"
#include "anomaly/detection.h"
#include "base/clock.h"

namespace kelola::anomaly {

enum class ThresholdKind { kFrequency, kFlatline };

struct ThresholdParams {
  ThresholdKind kind = ThresholdKind::kFrequency;
  uint64_t threshold = 1;
  size_t timeframe_buckets = 5;
};

// Pure: the sum of the last timeframe_buckets counts.
uint64_t SumLast(std::span<const uint64_t> window, size_t buckets);

class ThresholdDetector {
 public:
  ThresholdDetector(std::string rule, ThresholdParams params) : rule_(std::move(rule)), params_(params) {}
  std::vector<Detection> Evaluate(const BucketCounter& counter, const Clock& clock) const;

 private:
  std::string rule_;
  ThresholdParams params_;
};

}  // namespace kelola::anomaly
