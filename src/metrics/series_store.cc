#include "metrics/series_store.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <mutex>
#include <sstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics/metric_samples.h"
#include "metrics/series_snapshot.h"

namespace kelola::metrics {

struct SeriesStore::Series {
  int64_t latest_slot = -1;  // absolute slot number of the newest point; -1 = none
  std::unique_ptr<float[]> ring;
};

struct SeriesStore::Host {
  std::string name;
  std::string group;
  std::map<std::string, Series, std::less<>> series;
};

namespace {

constexpr float kAbsent = std::numeric_limits<float>::quiet_NaN();

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<Aggregation> ParseAggregation(std::string_view text) {
  if (text == "avg") return Aggregation::kAvg;
  if (text == "max") return Aggregation::kMax;
  if (text == "min") return Aggregation::kMin;
  if (text == "sum") return Aggregation::kSum;
  if (text == "p95") return Aggregation::kP95;
  return InvalidArgumentError("agg: expected avg, max, min, sum or p95, got \"" + std::string(text.substr(0, 32)) +
                              "\"");
}

std::string_view AggregationName(Aggregation a) {
  switch (a) {
    case Aggregation::kAvg: return "avg";
    case Aggregation::kMax: return "max";
    case Aggregation::kMin: return "min";
    case Aggregation::kSum: return "sum";
    case Aggregation::kP95: return "p95";
  }
  return "avg";
}

Result<AggregateOver> ParseAggregateOver(std::string_view text) {
  if (text == "latest") return AggregateOver::kLatest;
  if (text == "points") return AggregateOver::kPoints;
  return InvalidArgumentError("over: expected latest or points, got \"" + std::string(text.substr(0, 32)) + "\"");
}

double Aggregate(Aggregation agg, std::vector<double>& v) {
  switch (agg) {
    case Aggregation::kAvg: {
      double s = 0;
      for (double x : v) s += x;
      return s / static_cast<double>(v.size());
    }
    case Aggregation::kSum: {
      double s = 0;
      for (double x : v) s += x;
      return s;
    }
    case Aggregation::kMax: return *std::max_element(v.begin(), v.end());
    case Aggregation::kMin: return *std::min_element(v.begin(), v.end());
    case Aggregation::kP95: {
      size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(v.size())));
      if (rank == 0) rank = 1;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
      return v[rank - 1];
    }
  }
  return 0;
}

SeriesStore::SeriesStore(SeriesStoreOptions options) : options_(options) {
  resolution_ms_ =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(options_.resolution).count());
  int64_t retention_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.retention).count();
  slots_ = static_cast<size_t>(std::max<int64_t>(1, (retention_ms + resolution_ms_ - 1) / resolution_ms_));
}

SeriesStore::~SeriesStore() = default;

size_t SeriesStore::SeriesBytes(const std::string& metric) const {
  // The ring, the entry and its host's (counted per series: an upper bound),
  // two map nodes, the metric name's heap block (none when it fits the
  // small-string buffer), and the longest host and group names allowed.
  auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  return slots_ * sizeof(float) + sizeof(Series) + sizeof(Host) + 2 * 64 + heap(metric) + 254 + 64;
}

size_t SeriesStore::MemoryBound() const {
  return options_.max_series * (slots_ * sizeof(float) + kSeriesOverheadBytes);
}

SeriesStore::Series* SeriesStore::FindOrCreateLocked(const std::string& host, const std::string& group,
                                                     const std::string& metric, bool& created, Status& error) {
  created = false;
  auto hit = hosts_.find(host);
  if (hit != hosts_.end()) {
    if (!group.empty() && hit->second->group != group) hit->second->group = group;
    auto sit = hit->second->series.find(metric);
    if (sit != hit->second->series.end()) return &sit->second;
  }
  if (series_ >= options_.max_series) {
    error = ResourceExhaustedError("metrics store holds its limit of " + std::to_string(options_.max_series) +
                                   " series (metrics.max_series); series " + host + "/" + metric + " not stored");
    return nullptr;
  }
  if (hit == hosts_.end()) {
    auto h = std::make_unique<Host>();
    h->name = host;
    h->group = group;
    hit = hosts_.emplace(host, std::move(h)).first;
  }
  Series fresh;
  fresh.ring = std::make_unique<float[]>(slots_);
  std::fill_n(fresh.ring.get(), slots_, kAbsent);
  auto inserted = hit->second->series.emplace(metric, std::move(fresh)).first;
  ++series_;
  bytes_ += SeriesBytes(inserted->first);
  created = true;
  return &inserted->second;
}

Status SeriesStore::Append(const std::string& host, const std::string& group, const std::string& metric,
                           int64_t time_ms, double value) {
  const int64_t slot = FloorDiv(time_ms, resolution_ms_);
  std::unique_lock lock(mu_);
  bool created = false;
  Status error = OkStatus();
  Series* s = FindOrCreateLocked(host, group, metric, created, error);
  if (s == nullptr) return error;
  const int64_t n = static_cast<int64_t>(slots_);
  if (s->latest_slot >= 0 && slot <= s->latest_slot - n) {
    return OutOfRangeError("point at " + std::to_string(time_ms) + " is older than the retention of series " + host +
                           "/" + metric);
  }
  if (slot > s->latest_slot) {
    // Slots skipped since the newest point hold nothing now.
    int64_t from = std::max(s->latest_slot + 1, slot - n + 1);
    for (int64_t k = from; k < slot; ++k) s->ring[static_cast<size_t>(((k % n) + n) % n)] = kAbsent;
    s->latest_slot = slot;
  }
  s->ring[static_cast<size_t>(((slot % n) + n) % n)] = static_cast<float>(value);
  dirty_ = true;
  return OkStatus();
}

SeriesStore::Series* SeriesStore::FindLocked(const std::string& host, const std::string& metric) const {
  auto hit = hosts_.find(host);
  if (hit == hosts_.end()) return nullptr;
  auto sit = hit->second->series.find(metric);
  return sit == hit->second->series.end() ? nullptr : const_cast<Series*>(&sit->second);
}

void SeriesStore::ForEachPointLocked(const Series& s, int64_t from_slot, int64_t to_slot,
                                     const std::function<void(int64_t slot, float v)>& fn) const {
  const int64_t n = static_cast<int64_t>(slots_);
  if (s.latest_slot < 0) return;
  from_slot = std::max(from_slot, s.latest_slot - n + 1);
  to_slot = std::min(to_slot, s.latest_slot);
  for (int64_t k = from_slot; k <= to_slot; ++k) {
    float v = s.ring[static_cast<size_t>(((k % n) + n) % n)];
    if (!std::isnan(v)) fn(k, v);
  }
}

std::vector<Point> SeriesStore::Range(const std::string& host, const std::string& metric, int64_t from_ms,
                                      int64_t to_ms, int64_t step_ms) const {
  std::vector<Point> out;
  std::shared_lock lock(mu_);
  const Series* s = FindLocked(host, metric);
  if (s == nullptr || to_ms < from_ms) return out;
  const int64_t from_slot = FloorDiv(from_ms + resolution_ms_ - 1, resolution_ms_);  // first slot time >= from
  const int64_t to_slot = FloorDiv(to_ms, resolution_ms_);
  if (step_ms <= resolution_ms_) {
    ForEachPointLocked(*s, from_slot, to_slot, [&](int64_t k, float v) {
      out.push_back({k * resolution_ms_, static_cast<double>(v)});
    });
    return out;
  }
  int64_t bucket = std::numeric_limits<int64_t>::min();
  double sum = 0;
  size_t count = 0;
  auto flush = [&] {
    if (count > 0) out.push_back({bucket * step_ms, sum / static_cast<double>(count)});
    sum = 0;
    count = 0;
  };
  ForEachPointLocked(*s, from_slot, to_slot, [&](int64_t k, float v) {
    int64_t b = FloorDiv(k * resolution_ms_, step_ms);
    if (b != bucket) {
      flush();
      bucket = b;
    }
    sum += v;
    ++count;
  });
  flush();
  return out;
}

AggregateResult SeriesStore::Query(const AggregateQuery& q) const {
  AggregateResult result;
  std::vector<double> values;
  std::shared_lock lock(mu_);
  const int64_t to_slot = FloorDiv(q.at_ms, resolution_ms_);
  // Points with time in (at - window, at]: the first slot strictly after at - window.
  const int64_t from_slot = FloorDiv(q.at_ms - q.window_ms, resolution_ms_) + 1;
  for (const auto& [name, host] : hosts_) {
    if (!q.group.empty() && host->group != q.group) continue;
    auto sit = host->series.find(q.metric);
    if (sit == host->series.end()) continue;
    const Series& s = sit->second;
    size_t before = values.size();
    if (q.over == AggregateOver::kPoints) {
      ForEachPointLocked(s, from_slot, to_slot, [&](int64_t, float v) { values.push_back(v); });
    } else {
      const int64_t n = static_cast<int64_t>(slots_);
      int64_t hi = std::min(to_slot, s.latest_slot);
      int64_t lo = std::max(from_slot, s.latest_slot - n + 1);
      for (int64_t k = hi; k >= lo; --k) {
        float v = s.ring[static_cast<size_t>(((k % n) + n) % n)];
        if (!std::isnan(v)) {
          values.push_back(v);
          break;
        }
      }
    }
    if (values.size() > before) ++result.hosts;
  }
  result.points = values.size();
  if (!values.empty()) result.value = Aggregate(q.agg, values);
  return result;
}

std::string SeriesStore::GroupOf(const std::string& host) const {
  std::shared_lock lock(mu_);
  auto it = hosts_.find(host);
  return it == hosts_.end() ? std::string() : it->second->group;
}

size_t SeriesStore::ExpireBefore(int64_t now_ms) {
  const int64_t retention_ms = static_cast<int64_t>(slots_) * resolution_ms_;
  const int64_t oldest_slot = FloorDiv(now_ms - retention_ms, resolution_ms_);
  size_t removed = 0;
  std::unique_lock lock(mu_);
  for (auto hit = hosts_.begin(); hit != hosts_.end();) {
    Host& h = *hit->second;
    for (auto sit = h.series.begin(); sit != h.series.end();) {
      if (sit->second.latest_slot <= oldest_slot) {
        bytes_ -= std::min(bytes_, SeriesBytes(sit->first));
        sit = h.series.erase(sit);
        --series_;
        ++removed;
      } else {
        ++sit;
      }
    }
    hit = h.series.empty() ? hosts_.erase(hit) : std::next(hit);
  }
  if (removed > 0) dirty_ = true;
  return removed;
}

size_t SeriesStore::series_count() const {
  std::shared_lock lock(mu_);
  return series_;
}

size_t SeriesStore::MemoryBytes() const {
  std::shared_lock lock(mu_);
  return bytes_;
}

bool SeriesStore::dirty() const {
  std::shared_lock lock(mu_);
  return dirty_;
}

Status SeriesStore::WriteSnapshot(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return InternalError("metrics snapshot: creating " + tmp + ": " + std::strerror(errno));
  bool ok = true;
  // The series are copied one at a time under the lock, so appends wait
  // for one ring's copy, not for the whole file to be written.
  std::vector<std::pair<std::string, std::string>> keys;
  {
    std::shared_lock lock(mu_);
    keys.reserve(series_);
    for (const auto& [name, host] : hosts_) {
      for (const auto& [metric, series] : host->series) keys.emplace_back(name, metric);
    }
  }
  dirty_ = false;  // appends made while writing mark it again
  SnapshotWriter w(resolution_ms_, keys.size(), [&](std::string_view piece) {
    ok = ok && std::fwrite(piece.data(), 1, piece.size(), f) == piece.size();
  });
  const int64_t n = static_cast<int64_t>(slots_);
  std::vector<float> linear(slots_);
  std::string group;
  for (const auto& [host, metric] : keys) {
    int64_t first = 0;
    uint32_t count = 0;
    {
      std::shared_lock lock(mu_);
      const Series* s = FindLocked(host, metric);
      if (s != nullptr) {
        group = hosts_.find(host)->second->group;
        // Oldest slot first; leading empty slots are left out.
        first = s->latest_slot - n + 1;
        for (int64_t k = first; k <= s->latest_slot && s->latest_slot >= 0; ++k) {
          float v = s->ring[static_cast<size_t>(((k % n) + n) % n)];
          if (count == 0 && std::isnan(v)) {
            first = k + 1;
            continue;
          }
          linear[count++] = v;
        }
      }
    }
    w.Add(host, group, metric, first, linear.data(), count);  // a series expired meanwhile: empty
  }
  w.Finish();
  ok = ok && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return InternalError("metrics snapshot: writing " + tmp + " failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return InternalError("metrics snapshot: renaming to " + path + ": " + std::strerror(errno));
  }
  return OkStatus();
}

Status SeriesStore::ReadSnapshot(const std::string& path) {
  // Mapped, not copied: the file is as large as the store.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("metrics snapshot " + path + " does not exist");
    return InternalError("metrics snapshot: opening " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return InternalError("metrics snapshot: stat " + path + ": " + std::strerror(errno));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = size > 0 ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
  ::close(fd);
  if (map == MAP_FAILED) return InternalError("metrics snapshot: mmap " + path + ": " + std::strerror(errno));
  std::string_view bytes(static_cast<const char*>(map), map ? size : 0);
  int64_t resolution_ms = 0;
  Status s = ReadSnapshotBytes(bytes, resolution_ms, [&](const SnapshotSeries& series) {
    std::string host(series.host), group(series.group), metric(series.metric);
    if (!IsValidHostName(host) || !IsValidSeriesName(metric) || series.count == 0) return;
    // Times (slot x resolution) must fit in 64 bits.
    if (series.first_slot < 0 ||
        series.first_slot > std::numeric_limits<int64_t>::max() / resolution_ms - static_cast<int64_t>(series.count)) {
      return;
    }
    if (resolution_ms == resolution_ms_ && series.count <= slots_) {
      // Same layout: copy the ring at once into a new series.
      std::unique_lock lock(mu_);
      bool created = false;
      Status error = OkStatus();
      Series* target = FindOrCreateLocked(host, group, metric, created, error);
      if (target == nullptr) return;
      if (created) {
        const int64_t n = static_cast<int64_t>(slots_);
        for (uint32_t i = 0; i < series.count; ++i) {
          int64_t k = series.first_slot + static_cast<int64_t>(i);
          target->ring[static_cast<size_t>(((k % n) + n) % n)] = series.values[i];
        }
        target->latest_slot = series.first_slot + static_cast<int64_t>(series.count) - 1;
        return;
      }
    }
    for (uint32_t i = 0; i < series.count; ++i) {
      if (std::isnan(series.values[i])) continue;
      int64_t t = (series.first_slot + static_cast<int64_t>(i)) * resolution_ms;
      Status a = Append(host, group, metric, t, series.values[i]);
      if (!a.ok() && a.code() == StatusCode::kResourceExhausted) return;
    }
  });
  if (map != nullptr) ::munmap(map, size);
  if (!s.ok()) return Status(s.code(), s.message() + " (" + path + ")");
  std::unique_lock lock(mu_);
  dirty_ = false;
  return OkStatus();
}

}  // namespace kelola::metrics
