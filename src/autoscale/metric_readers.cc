#include "autoscale/metric_readers.h"

#include <chrono>

namespace kelola {

Result<MetricReading> SeriesStoreReader::Read(const std::string& group, const std::string& metric,
                                              const std::vector<ScalingHost>& hosts) {
  (void)group;  // hosts come from the fleet; the store's group label is the agent's word, not needed here
  MetricReading r;
  r.per_host = true;
  r.host_values.reserve(hosts.size());
  const int64_t now = UnixMillis(clock_.Now());
  const int64_t from = now - std::chrono::duration_cast<std::chrono::milliseconds>(window_).count();
  for (const ScalingHost& h : hosts) {
    auto points = store_.Range(h.name, metric, from, now);
    if (points.empty()) {
      r.host_values.push_back(std::nullopt);
    } else {
      r.host_values.push_back(points.back().value);
    }
  }
  return r;
}

Result<MetricReading> MetricsSourceReader::Read(const std::string& group, const std::string& metric,
                                                const std::vector<ScalingHost>& hosts) {
  (void)hosts;
  MetricReading r;
  auto v = source_.Instant(build_(group, metric));
  if (!v.ok()) {
    r.status = v.status();
    return r;
  }
  r.value = *v;
  return r;
}

}  // namespace kelola
