// MetricReader: the one seam between the autoscaler and a metrics source.
//
// The autoscaler never queries anything itself: each interval the caller
// reads every policy's metric through a MetricReader (ReadPolicyMetrics) and
// hands the readings to Decide (autoscaler.h). Implementations: the
// simulator's capacity model (simulator.h); the live controller adapts the
// server's time-series store or Prometheus (src/metrics MetricsSource) to it.
// Errors are values: a failed read becomes the policy's fallback.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

// One host of the group as the autoscaler sees it.
struct ScalingHost {
  std::string name;
  // When the host became Ready (health check passed); nullopt while it is
  // still booting or bootstrapping. Its metrics count from ready_since +
  // the policy's warmupSeconds on.
  std::optional<WallTime> ready_since;
};

// The value of one metric for one group at one evaluation.
struct MetricReading {
  // Non-OK when the source failed (Unavailable, DeadlineExceeded, NotFound
  // for an unknown metric ...): the policy's fallback applies.
  Status status;
  // True when host_values holds one entry per host (aligned with the hosts
  // passed to Read; nullopt = no sample for that host). Per-host readings
  // let the autoscaler ignore warming hosts exactly like the HPA ignores
  // unready pods. False: `value` is a group-level value (already averaged by
  // the source, e.g. a PromQL expression), used as is.
  bool per_host = false;
  std::vector<std::optional<double>> host_values;
  double value = 0;
};

class MetricReader {
 public:
  virtual ~MetricReader() = default;
  // The current value of `metric` for `group`, per host when the source
  // can tell hosts apart. Never throws; errors go into the Status.
  virtual Result<MetricReading> Read(const std::string& group, const std::string& metric,
                                     const std::vector<ScalingHost>& hosts) = 0;
};

}  // namespace kelola
