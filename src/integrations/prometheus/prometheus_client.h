// PrometheusClient: instant queries against a Prometheus server's HTTP API
// (GET /api/v1/query?query=EXPR[&time=T]) with the project's HttpClient,
// and PrometheusSource, the metrics::MetricsSource over it for PromQL
// queries (MetricQuery::promql): the expression must yield one number, a
// scalar or a one-element vector (wrap it in avg(...), max(...), ...).
// No element, or NaN, is NotFound; several elements InvalidArgument.
// Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/clock.h"
#include "integrations/prometheus/prometheus_response.h"
#include "metrics/metrics_source.h"
#include "net/http_client.h"

namespace kelola::prometheus {

struct PrometheusClientOptions {
  std::string url;           // "http://127.0.0.1:9090" (a path prefix is kept: ".../prometheus")
  std::string bearer_token;  // sent as Authorization when set; never logged
  std::chrono::milliseconds timeout{10'000};
  bool verify_tls = true;
  std::string ca_file;
};

class PrometheusClient {
 public:
  explicit PrometheusClient(PrometheusClientOptions options);
  // Evaluates `expr` at `at` (Prometheus' now when unset).
  Result<QueryResult> Query(const std::string& expr, std::optional<WallTime> at = std::nullopt);

 private:
  PrometheusClientOptions options_;
  HttpClient http_;
};

class PrometheusSource final : public metrics::MetricsSource {
 public:
  explicit PrometheusSource(PrometheusClientOptions options) : client_(std::move(options)) {}
  Result<double> Instant(const metrics::MetricQuery& query) override;
  std::string_view kind() const override { return "prometheus"; }

 private:
  PrometheusClient client_;
};

}  // namespace kelola::prometheus
