#include "anomaly/threshold_detector.h"

#include <numeric>

#include "fmt/format.h"

namespace kelola::anomaly {

uint64_t SumLast(std::span<const uint64_t> window, size_t buckets) {
  const size_t n = std::min(window.size(), buckets);
  return std::accumulate(window.end() - static_cast<std::ptrdiff_t>(n), window.end(), uint64_t{0});
}

std::vector<Detection> ThresholdDetector::Evaluate(const BucketCounter& counter, const Clock& clock) const {
  const WallTime now = clock.Now();
  // The timeframe ends at the end of the bucket in progress.
  const Duration timeframe = counter.options().bucket * static_cast<int64_t>(params_.timeframe_buckets - 1);
  std::vector<Detection> out;
  for (const SeriesWindow& w : counter.Windows(now)) {
    const uint64_t sum = SumLast(w.counts, params_.timeframe_buckets);
    bool active = false;
    std::string summary;
    if (params_.kind == ThresholdKind::kFrequency) {
      active = sum >= params_.threshold;
      summary =
          fmt::format("{} matches in {} buckets ({} or more fire)", sum, params_.timeframe_buckets, params_.threshold);
    } else {
      active = sum < params_.threshold && now - w.first_seen >= timeframe;
      summary = fmt::format("{} matches in {} buckets (fewer than {} fire)", sum, params_.timeframe_buckets,
                            params_.threshold);
    }
    out.push_back(Detection{rule_, w.labels, active, static_cast<double>(sum), static_cast<double>(params_.threshold),
                            std::move(summary), now});
  }
  return out;
}

}  // namespace kelola::anomaly
