// The live autoscaler's MetricReaders (src/scale/metric_reader.h) over the
// server's metrics sources (src/metrics):
//
//   SeriesStoreReader    the embedded SeriesStore, per host: each host's
//                        newest point of the metric within `window` before
//                        now (nullopt: no sample), so Decide can ignore
//                        warming hosts and treat missing ones like the HPA.
//   MetricsSourceReader  any metrics::MetricsSource (PrometheusSource, or
//                        the embedded one) as a group value: the source
//                        averages (per_host = false).
//
// Errors are values: an unknown metric name is NotFound (the policy's
// fallback applies), never a throw. Thread-safe when the store/source is.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "metrics/metrics_source.h"
#include "metrics/series_store.h"
#include "scale/metric_reader.h"

namespace kelola {

class SeriesStoreReader final : public MetricReader {
 public:
  // `store` and `clock` must outlive the reader.
  SeriesStoreReader(const metrics::SeriesStore& store, Clock& clock, Duration window)
      : store_(store), clock_(clock), window_(window) {}
  Result<MetricReading> Read(const std::string& group, const std::string& metric,
                             const std::vector<ScalingHost>& hosts) override;

 private:
  const metrics::SeriesStore& store_;
  Clock& clock_;
  Duration window_;
};

class MetricsSourceReader final : public MetricReader {
 public:
  // Builds the query for (group, metric); the default asks the embedded
  // form {metric, group, avg, latest, window}.
  using QueryBuilder = std::function<metrics::MetricQuery(const std::string& group, const std::string& metric)>;
  MetricsSourceReader(metrics::MetricsSource& source, QueryBuilder build) : source_(source), build_(std::move(build)) {}
  Result<MetricReading> Read(const std::string& group, const std::string& metric,
                             const std::vector<ScalingHost>& hosts) override;

 private:
  metrics::MetricsSource& source_;
  QueryBuilder build_;
};

}  // namespace kelola
