#include "anomaly/spike_detector.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fmt/format.h"

namespace kelola::anomaly {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    m = (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
  }
  return m;
}

}  // namespace

SpikeVerdict DetectSpike(std::span<const uint64_t> window, const SpikeParams& params) {
  SpikeVerdict v;
  if (window.empty()) return v;
  v.current = static_cast<double>(window.back());
  if (window.size() >= 2) v.current = std::max(v.current, static_cast<double>(window[window.size() - 2]));
  const size_t history = window.size() >= 2 ? window.size() - 2 : 0;
  if (history < std::max<size_t>(params.min_history, 1)) {
    v.threshold = std::numeric_limits<double>::infinity();
    return v;
  }
  std::vector<double> hist(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(history));
  double ewma = hist.front();
  for (size_t i = 1; i < hist.size(); ++i) ewma = params.alpha * hist[i] + (1 - params.alpha) * ewma;
  const double median = Median(hist);
  std::vector<double> deviations;
  deviations.reserve(hist.size());
  for (double x : hist) deviations.push_back(std::fabs(x - median));
  const double mad_sigma = 1.4826 * Median(deviations);
  v.baseline = ewma;
  v.spread = std::max(mad_sigma, std::sqrt(std::max(ewma, 1.0)));
  v.threshold =
      std::max({static_cast<double>(params.min_count), ewma + params.sensitivity * v.spread, params.min_ratio * ewma});
  v.spike = v.current >= v.threshold;
  return v;
}

std::vector<Detection> SpikeDetector::Evaluate(const BucketCounter& counter, const Clock& clock) const {
  const WallTime now = clock.Now();
  std::vector<Detection> out;
  for (const SeriesWindow& w : counter.Windows(now)) {
    const SpikeVerdict v = DetectSpike(counter.Lived(w, now), params_);
    Detection d{rule_, w.labels, v.spike, v.current, v.threshold, "", now};
    d.summary = v.spike ? fmt::format("{} events in a bucket against a baseline of {:.1f} (threshold {:.1f})",
                                      v.current, v.baseline, v.threshold)
                        : fmt::format("{} events in a bucket, baseline {:.1f}", v.current, v.baseline);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace kelola::anomaly
