// SeriesStore: the server's embedded time-series store of host metrics.
//
// A series is keyed by (host, metric) and carries its host's group label.
// Each series is a fixed ring of float32 slots, one per `resolution`
// (default 10 s) covering `retention` (default 24 h = 8640 slots), plus the
// absolute number of its newest slot; an absent point is a NaN slot, so the
// time of a point is implied by its slot (times are floored to the
// resolution) and the payload is 4 bytes per point. The ring is allocated
// when the series is created, so the memory of the store is bounded by
//   max_series * (slots * 4 + kSeriesOverheadBytes)
// (MemoryBound(); 10,000 series x 8640 slots: 353 MB). MemoryBytes() is the
// store's own accounting of what it holds. Appending to a series past
// max_series is ResourceExhausted; a point older than the series' ring is
// OutOfRange (not stored). ExpireBefore() drops series without a point in
// the retention window.
//
// Snapshots (WriteSnapshot/ReadSnapshot, format in series_snapshot.h)
// survive restarts. Thread-safe: appends take an exclusive lock, queries a
// shared one; a snapshot takes the shared lock once per series (to copy its
// ring), so appends never wait for the file to be written.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola::metrics {

struct SeriesStoreOptions {
  Duration resolution = std::chrono::seconds(10);
  Duration retention = std::chrono::hours(24);
  size_t max_series = 10'000;
};

// Per-series bytes besides the ring, at most: the entries, map nodes and
// the strings (host <= 253, metric <= 64, group <= 63 characters).
inline constexpr size_t kSeriesOverheadBytes = 768;

struct Point {
  int64_t time_ms = 0;
  double value = 0;
};

enum class Aggregation { kAvg, kMax, kMin, kSum, kP95 };
// "avg", "max", "min", "sum", "p95".
Result<Aggregation> ParseAggregation(std::string_view text);
std::string_view AggregationName(Aggregation a);
// What is aggregated across the hosts of the group (docs/metrics.md):
// kLatest: each host's newest point within the window (one value per host);
// kPoints: every point of every host within the window.
enum class AggregateOver { kLatest, kPoints };
Result<AggregateOver> ParseAggregateOver(std::string_view text);
// avg/max/min/sum as named; p95 = nearest rank: the ceil(0.95 n)-th smallest.
// `values` must not be empty; it is reordered.
double Aggregate(Aggregation agg, std::vector<double>& values);

struct AggregateQuery {
  std::string metric;
  std::string group;  // "" = every host
  Aggregation agg = Aggregation::kAvg;
  AggregateOver over = AggregateOver::kLatest;
  int64_t window_ms = 5 * 60 * 1000;  // points with time in (at - window, at]
  int64_t at_ms = 0;
};

struct AggregateResult {
  std::optional<double> value;  // none when no host had a point in the window
  size_t hosts = 0;             // hosts that contributed
  size_t points = 0;            // points that went into the aggregate
};

class SeriesStore {
 public:
  explicit SeriesStore(SeriesStoreOptions options = {});
  ~SeriesStore();

  const SeriesStoreOptions& options() const { return options_; }
  size_t slots() const { return slots_; }

  // `group` replaces the host's group when not empty.
  Status Append(const std::string& host, const std::string& group, const std::string& metric, int64_t time_ms,
                double value);
  // Points of (host, metric) with time in [from, to], oldest first. With
  // step > resolution each aligned step bucket [k*step, (k+1)*step) becomes
  // one point at its start: the mean of the bucket's points.
  std::vector<Point> Range(const std::string& host, const std::string& metric, int64_t from_ms, int64_t to_ms,
                           int64_t step_ms = 0) const;
  AggregateResult Query(const AggregateQuery& q) const;
  // The group the host last reported ("" when unknown).
  std::string GroupOf(const std::string& host) const;
  // Removes series whose newest point is older than now - retention.
  size_t ExpireBefore(int64_t now_ms);

  size_t series_count() const;
  size_t MemoryBytes() const;
  size_t MemoryBound() const;
  // True when appended to since the last WriteSnapshot/ReadSnapshot.
  bool dirty() const;

  // Writes PATH.tmp and renames it over PATH.
  Status WriteSnapshot(const std::string& path) const;
  // Adds the snapshot's points (re-bucketed when the resolution changed);
  // DataLoss when the file is damaged (nothing is added then), NotFound
  // when it does not exist.
  Status ReadSnapshot(const std::string& path);

 private:
  struct Series;
  struct Host;
  // Null with `error` set when the series would pass max_series.
  Series* FindOrCreateLocked(const std::string& host, const std::string& group, const std::string& metric,
                             bool& created, Status& error);
  Series* FindLocked(const std::string& host, const std::string& metric) const;
  void ForEachPointLocked(const Series& s, int64_t from_slot, int64_t to_slot,
                          const std::function<void(int64_t slot, float v)>& fn) const;
  size_t SeriesBytes(const std::string& metric) const;

  SeriesStoreOptions options_;
  int64_t resolution_ms_;
  size_t slots_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<Host>, std::less<>> hosts_;
  size_t series_ = 0;
  size_t bytes_ = 0;
  mutable std::atomic<bool> dirty_{false};
};

}  // namespace kelola::metrics
