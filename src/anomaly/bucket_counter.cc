#include "anomaly/bucket_counter.h"

#include <algorithm>

namespace kelola::anomaly {

BucketCounter::BucketCounter(CounterOptions options) : options_(options) {
  if (options_.bucket <= Duration::zero()) options_.bucket = std::chrono::minutes(1);
  options_.buckets = std::max<size_t>(options_.buckets, 2);
  options_.max_series = std::max<size_t>(options_.max_series, 1);
}

int64_t BucketCounter::BucketOf(WallTime t) const {
  const auto since_epoch = t.time_since_epoch();
  int64_t b = since_epoch / options_.bucket;
  if (since_epoch < Duration::zero() && since_epoch % options_.bucket != Duration::zero()) --b;  // floor
  return b;
}

void BucketCounter::EvictOldest() {
  auto oldest = series_.begin();
  for (auto it = series_.begin(); it != series_.end(); ++it) {
    if (it->second.last_seen < oldest->second.last_seen) oldest = it;
  }
  series_.erase(oldest);
  ++evicted_;
}

void BucketCounter::Add(const Labels& labels, WallTime t, uint64_t n) {
  const std::string key = LabelsKey(labels);
  auto it = series_.find(key);
  const int64_t b = BucketOf(t);
  const auto size = static_cast<int64_t>(options_.buckets);
  if (it == series_.end()) {
    if (series_.size() >= options_.max_series) EvictOldest();
    Series s;
    s.labels = labels;
    s.ring.assign(options_.buckets, 0);
    s.head = b;
    s.first_seen = t;
    s.last_seen = t;
    it = series_.emplace(key, std::move(s)).first;
  }
  Series& s = it->second;
  if (b > s.head) {
    const int64_t advance = std::min(b - s.head, size);
    for (int64_t i = 1; i <= advance; ++i) s.ring[static_cast<size_t>((s.head + i) % size)] = 0;
    s.head = b;
  }
  if (b <= s.head - size) return;  // older than the history
  s.ring[static_cast<size_t>(((b % size) + size) % size)] += n;
  s.last_seen = std::max(s.last_seen, t);
  s.first_seen = std::min(s.first_seen, t);
}

std::vector<SeriesWindow> BucketCounter::Windows(WallTime now) const {
  const int64_t now_bucket = BucketOf(now);
  const auto size = static_cast<int64_t>(options_.buckets);
  std::vector<SeriesWindow> out;
  out.reserve(series_.size());
  for (const auto& [key, s] : series_) {
    SeriesWindow w{s.labels, std::vector<uint64_t>(options_.buckets, 0), s.first_seen, s.last_seen};
    for (int64_t i = 0; i < size; ++i) {
      const int64_t b = now_bucket - size + 1 + i;
      if (b <= s.head && b > s.head - size)
        w.counts[static_cast<size_t>(i)] = s.ring[static_cast<size_t>(((b % size) + size) % size)];
    }
    out.push_back(std::move(w));
  }
  std::sort(out.begin(), out.end(), [](const SeriesWindow& a, const SeriesWindow& b) { return a.labels < b.labels; });
  return out;
}

}  // namespace kelola::anomaly

namespace kelola::anomaly {

std::span<const uint64_t> BucketCounter::Lived(const SeriesWindow& w, WallTime now) const {
  const int64_t lived = BucketOf(now) - BucketOf(w.first_seen) + 1;
  const auto n = static_cast<size_t>(std::clamp<int64_t>(lived, 0, static_cast<int64_t>(w.counts.size())));
  return std::span<const uint64_t>(w.counts).last(n);
}

}  // namespace kelola::anomaly
