#include "anomaly/silence_detector.h"

#include <numeric>

#include "fmt/format.h"

namespace kelola::anomaly {

SilenceVerdict DetectSilence(std::span<const uint64_t> window, const SilenceParams& params) {
  SilenceVerdict v;
  const size_t quiet = std::min(window.size(), params.quiet_buckets + 1);
  const auto split = window.end() - static_cast<std::ptrdiff_t>(quiet);
  v.quiet_count = static_cast<double>(std::accumulate(split, window.end(), uint64_t{0}));
  const size_t baseline_buckets = window.size() - quiet;
  if (baseline_buckets > 0) {
    v.baseline_rate = static_cast<double>(std::accumulate(window.begin(), split, uint64_t{0})) /
                      static_cast<double>(baseline_buckets);
  }
  v.speaking = v.quiet_count > static_cast<double>(params.max_quiet_count);
  v.silent = !v.speaking && baseline_buckets >= quiet && v.baseline_rate >= params.min_baseline_rate;
  return v;
}

std::vector<Detection> SilenceDetector::Evaluate(const BucketCounter& counter, const Clock& clock) {
  const WallTime now = clock.Now();
  std::vector<Detection> out;
  for (const SeriesWindow& w : counter.Windows(now)) {
    const SilenceVerdict v = DetectSilence(counter.Lived(w, now), params_);
    const std::string key = LabelsKey(w.labels);
    bool& silent = silent_[key];
    if (v.silent) silent = true;
    if (v.speaking) silent = false;
    Detection d{rule_, w.labels, silent, v.quiet_count, static_cast<double>(params_.max_quiet_count), "", now};
    d.summary = silent ? fmt::format("silent: {} events in the last {} buckets (was {:.1f} per bucket)", v.quiet_count,
                                     params_.quiet_buckets + 1, v.baseline_rate)
                       : fmt::format("{} events in the last {} buckets", v.quiet_count, params_.quiet_buckets + 1);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace kelola::anomaly
