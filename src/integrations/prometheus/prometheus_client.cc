#include "integrations/prometheus/prometheus_client.h"

#include <cmath>
#include <cstdio>

namespace kelola::prometheus {
namespace {

HttpClientOptions ClientOptions(const PrometheusClientOptions& o) {
  HttpClientOptions c;
  c.timeout = o.timeout;
  c.verify_tls = o.verify_tls;
  c.ca_file = o.ca_file;
  c.user_agent = "kelola";
  return c;
}

}  // namespace

PrometheusClient::PrometheusClient(PrometheusClientOptions options)
    : options_(std::move(options)), http_(ClientOptions(options_)) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
}

Result<QueryResult> PrometheusClient::Query(const std::string& expr, std::optional<WallTime> at) {
  if (expr.empty()) return InvalidArgumentError("promql: empty expression");
  ClientRequest req;
  req.method = "GET";
  req.url = options_.url + "/api/v1/query?query=" + PercentEncode(expr);
  if (at) {
    char t[32];
    std::snprintf(t, sizeof(t), "%.3f", static_cast<double>(UnixMillis(*at)) / 1000.0);
    req.url += std::string("&time=") + t;
  }
  if (!options_.bearer_token.empty()) req.headers["Authorization"] = "Bearer " + options_.bearer_token;
  auto resp = http_.Send(req);
  if (!resp.ok()) {
    return Status(resp.status().code(), "prometheus at " + options_.url + ": " + resp.status().message());
  }
  return ParseQueryResponse(resp->status, resp->body);
}

Result<double> PrometheusSource::Instant(const metrics::MetricQuery& query) {
  if (query.promql.empty()) {
    return InvalidArgumentError("a Prometheus metrics source needs a PromQL expression (promql), not a metric name");
  }
  KELOLA_ASSIGN_OR_RETURN(QueryResult r, client_.Query(query.promql));
  if (r.samples.empty()) return NotFoundError("prometheus: no data for " + query.promql);
  if (r.samples.size() > 1) {
    return InvalidArgumentError("prometheus: " + query.promql + " returned " + std::to_string(r.samples.size()) +
                                " series; aggregate them to one number, e.g. avg(...)");
  }
  if (std::isnan(r.samples[0].value)) return NotFoundError("prometheus: " + query.promql + " is NaN");
  return r.samples[0].value;
}

}  // namespace kelola::prometheus
