// The body of POST /v1/metrics/samples (docs/metrics.md): one host's
// samples, each a time and named values.
//
//   {"host":"web-1","group":"web",
//    "samples":[{"time":1700000000000,"values":{"cpu_busy_percent":12.5,"load1":0.31}}]}
//
// host: 1-253 of [A-Za-z0-9._-]; group: "" or 1-63 of the same; time: Unix
// milliseconds > 0; value names: [a-z_][a-z0-9_]*, at most 64 characters;
// values: finite numbers. At most kMaxSamplesPerBatch samples of at most
// kMaxValuesPerSample values. DecodeSampleBatch never throws; bad input is
// InvalidArgument naming the field ("samples[3].values.load1: ...").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace kelola::metrics {

inline constexpr size_t kMaxSamplesPerBatch = 10'000;
inline constexpr size_t kMaxValuesPerSample = 64;

struct HostSample {
  int64_t time_ms = 0;
  std::vector<std::pair<std::string, double>> values;
};

struct SampleBatch {
  std::string host;
  std::string group;  // "" = let the server decide (the Host's kelola.io/group label)
  std::vector<HostSample> samples;
};

std::string EncodeSampleBatch(const SampleBatch& batch);
Result<SampleBatch> DecodeSampleBatch(std::string_view body);

bool IsValidHostName(std::string_view name);
bool IsValidSeriesName(std::string_view name);

}  // namespace kelola::metrics
