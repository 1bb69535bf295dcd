// The file format of SeriesStore snapshots (DATA_DIR/metrics/series.snap),
// pure over bytes so it is fuzzed (fuzz/metrics_snapshot_fuzz.cc).
//
//   "KLMETS1\n"
//   u64 resolution_ms, u64 series_count                      (little endian)
//   per series: u16 len + host, u16 len + group, u16 len + metric,
//               i64 first_slot, u32 n, n x f32 (NaN = no point)
//   u64 FNV-1a 64 of every byte before it
//
// Slot k holds the point at time k * resolution_ms.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola::metrics {

struct SnapshotSeries {
  std::string_view host, group, metric;
  int64_t first_slot = 0;
  const float* values = nullptr;  // unaligned-safe copy made by the reader
  uint32_t count = 0;
};

// Hands the file out in pieces of about 1 MiB to `sink` (the whole file is
// never held in memory).
class SnapshotWriter {
 public:
  SnapshotWriter(int64_t resolution_ms, uint64_t series_count, std::function<void(std::string_view)> sink);
  void Add(std::string_view host, std::string_view group, std::string_view metric, int64_t first_slot,
           const float* values, uint32_t count);
  // Appends the checksum and flushes.
  void Finish();

 private:
  void Put(const void* p, size_t n);
  void Flush();
  std::function<void(std::string_view)> sink_;
  std::string buffer_;
  uint64_t hash_;
};

// Checks the magic, the checksum and every length before calling `fn`
// for each series; DataLoss naming the offset on damage.
Status ReadSnapshotBytes(std::string_view bytes, int64_t& resolution_ms,
                         const std::function<void(const SnapshotSeries&)>& fn);

}  // namespace kelola::metrics
