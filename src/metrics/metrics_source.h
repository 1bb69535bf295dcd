// MetricsSource: "a metrics source answering an instant aggregate query",
// the seam between where metrics live and what acts on them (the
// autoscaler). Two implementations:
//
//   EmbeddedMetricsSource  the server's SeriesStore: {metric, group, agg,
//                          over, window} evaluated at the clock's now.
//   PrometheusSource       (src/integrations/prometheus) a PromQL
//                          expression through GET /api/v1/query.
//
// A query is one or the other: `promql` set means PromQL (a source that
// cannot evaluate it answers InvalidArgument); otherwise the embedded form.
// Instant() answers one number, or: NotFound when no host/series has data
// (the caller's fallback case), InvalidArgument for a query the source
// rejects, Unavailable/DeadlineExceeded when the source cannot be reached.
// Implementations are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "metrics/series_store.h"

namespace kelola::metrics {

struct MetricQuery {
  // Embedded form: e.g. {"cpu_busy_percent", "web", kAvg, kLatest, 5m}.
  std::string metric;
  std::string group;  // "" = every host
  Aggregation agg = Aggregation::kAvg;
  AggregateOver over = AggregateOver::kLatest;
  Duration window = std::chrono::minutes(5);
  // PromQL form: e.g. "avg(kelola_host_cpu_busy_percent{group=\"web\"})".
  std::string promql;
};

// "avg(cpu_busy_percent{group=web}[5m])" or "promql:<expr>", for logs and events.
std::string DescribeQuery(const MetricQuery& q);

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  virtual Result<double> Instant(const MetricQuery& query) = 0;
  // "embedded", "prometheus".
  virtual std::string_view kind() const = 0;
};

class EmbeddedMetricsSource final : public MetricsSource {
 public:
  // Both must outlive the source.
  EmbeddedMetricsSource(const SeriesStore& store, Clock& clock) : store_(store), clock_(clock) {}
  Result<double> Instant(const MetricQuery& query) override;
  std::string_view kind() const override { return "embedded"; }

 private:
  const SeriesStore& store_;
  Clock& clock_;
};

}  // namespace kelola::metrics
