#include "metrics/metrics_source.h"

#include "metrics/metric_samples.h"

namespace kelola::metrics {

std::string DescribeQuery(const MetricQuery& q) {
  if (!q.promql.empty()) return "promql:" + q.promql;
  std::string out = std::string(AggregationName(q.agg)) + "(" + q.metric;
  if (!q.group.empty()) out += "{group=" + q.group + "}";
  out += "[" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(q.window).count()) + "s]";
  if (q.over == AggregateOver::kPoints) out += " over points";
  return out + ")";
}

Result<double> EmbeddedMetricsSource::Instant(const MetricQuery& q) {
  if (!q.promql.empty()) {
    return InvalidArgumentError(
        "the embedded metrics store does not evaluate PromQL; set metric (and group, agg, "
        "window) or use a Prometheus source");
  }
  if (!IsValidSeriesName(q.metric)) {
    return InvalidArgumentError("metric: expected a series name such as cpu_busy_percent, got \"" + q.metric + "\"");
  }
  if (q.window <= Duration::zero()) return InvalidArgumentError("window: must be > 0");
  AggregateQuery aq;
  aq.metric = q.metric;
  aq.group = q.group;
  aq.agg = q.agg;
  aq.over = q.over;
  aq.window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(q.window).count();
  aq.at_ms = UnixMillis(clock_.Now());
  AggregateResult r = store_.Query(aq);
  if (!r.value) return NotFoundError("no samples for " + DescribeQuery(q));
  return *r.value;
}

}  // namespace kelola::metrics
