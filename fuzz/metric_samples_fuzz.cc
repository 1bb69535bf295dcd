// libFuzzer target: the body of POST /v1/metrics/samples (agents, or anyone
// with an operator token) and the metrics store's snapshot file. No input
// may crash or hang; a batch that decodes must re-encode to the same batch.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "metrics/metric_samples.h"
#include "metrics/series_snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  namespace m = kelola::metrics;
  if (auto batch = m::DecodeSampleBatch(body); batch.ok()) {
    if (!m::IsValidHostName(batch->host)) std::abort();
    auto again = m::DecodeSampleBatch(m::EncodeSampleBatch(*batch));
    if (!again.ok() || again->host != batch->host || again->group != batch->group ||
        again->samples.size() != batch->samples.size()) {
      std::abort();
    }
    for (size_t i = 0; i < batch->samples.size(); ++i) {
      if (again->samples[i].values.size() != batch->samples[i].values.size()) std::abort();
      for (const auto& [name, v] : batch->samples[i].values) {
        if (!std::isfinite(v) || !m::IsValidSeriesName(name)) std::abort();
      }
    }
  }
  int64_t resolution = 0;
  (void)m::ReadSnapshotBytes(body, resolution, [](const m::SnapshotSeries& s) {
    volatile float sum = 0;
    for (uint32_t i = 0; i < s.count; ++i) sum = sum + s.values[i];
  });
  return 0;
}
