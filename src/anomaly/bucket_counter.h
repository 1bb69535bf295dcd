// BucketCounter: event counts per series (label set) in fixed time buckets,
// the input every detector reads. Memory is bounded: each series keeps a ring
// of `buckets` counters, and at most `max_series` series are kept (adding a new
// one beyond that evicts the series seen least recently).
//
// Not thread-safe: the owner serialises Add and Windows.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "anomaly/detection.h"
#include "base/clock.h"

namespace kelola::anomaly {

struct CounterOptions {
  Duration bucket = std::chrono::minutes(1);
  size_t buckets = 60;  // history length, including the bucket in progress
  size_t max_series = 10000;
};

// The counts of one series over the last `buckets` buckets, oldest first; the
// last element is the bucket containing `now` (still filling).
struct SeriesWindow {
  Labels labels;
  std::vector<uint64_t> counts;
  WallTime first_seen{};
  WallTime last_seen{};
};

class BucketCounter {
 public:
  explicit BucketCounter(CounterOptions options = {});

  // Counts `n` events of `series` at `t`. n == 0 only registers the series
  // (so a flatline rule can watch a series that has not spoken yet). Events
  // older than the history are ignored.
  void Add(const Labels& series, WallTime t, uint64_t n = 1);

  std::vector<SeriesWindow> Windows(WallTime now) const;

  // The tail of `w.counts` from the bucket of its first event on: the buckets
  // before a series existed are not evidence of anything.
  std::span<const uint64_t> Lived(const SeriesWindow& w, WallTime now) const;

  const CounterOptions& options() const { return options_; }
  size_t series_count() const { return series_.size(); }
  uint64_t evicted() const { return evicted_; }

 private:
  struct Series {
    Labels labels;
    std::vector<uint64_t> ring;
    int64_t head = 0;  // absolute bucket number of the newest bucket in `ring`
    WallTime first_seen{};
    WallTime last_seen{};
  };
  int64_t BucketOf(WallTime t) const;
  void EvictOldest();

  CounterOptions options_;
  std::unordered_map<std::string, Series> series_;
  uint64_t evicted_ = 0;
};

}  // namespace kelola::anomaly
