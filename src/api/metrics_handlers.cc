#include "api/metrics_handlers.h"

#include <charconv>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "base/config_schema.h"
#include "base/logging.h"
#include "metrics/metric_samples.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using metrics::SeriesStore;

constexpr int64_t kMaxFutureMs = 5 * 60 * 1000;  // clocks of agents drift; a point further ahead is refused
constexpr size_t kMaxRangePoints = 11'000;       // as Prometheus' range queries
constexpr std::string_view kGroupLabel = "kelola.io/group";

Result<Principal> Authenticate(ApiContext& ctx, const HttpRequest& req, Role need) {
  KELOLA_ASSIGN_OR_RETURN(Principal p, ctx.tokens->Authenticate(req.Header("Authorization")));
  if (p.role < need) {
    return PermissionDeniedError("token \"" + p.name + "\" has role " + std::string(RoleName(p.role)) +
                                 "; this needs " + std::string(RoleName(need)));
  }
  return p;
}

struct SampleMetrics {
  explicit SampleMetrics(MetricsRegistry& m)
      : batches(m.AddCounter("kelola_metrics_sample_batches_total", "Host metric sample batches, by outcome.",
                             {"outcome"})),
        points(m.AddCounter("kelola_metrics_points_total",
                            "Host metric points received: stored, or dropped (too old, series limit).", {"outcome"})),
        series(m.AddGauge("kelola_metrics_series", "Series in the embedded host metrics store.")),
        bytes(m.AddGauge("kelola_metrics_store_bytes", "Memory of the embedded host metrics store (its accounting).")) {
  }
  CounterFamily& batches;
  CounterFamily& points;
  GaugeFamily& series;
  GaugeFamily& bytes;
};

std::string HostGroup(ApiContext& ctx, const std::string& host) {
  auto r = ctx.store.GetResource("Host", host);
  if (!r.ok()) return "";
  auto it = r->labels.find(std::string(kGroupLabel));
  if (it == r->labels.end() || it->second.size() > 63 || !metrics::IsValidHostName(it->second)) return "";
  return it->second;
}

HttpResponse Ingest(ApiContext& ctx, SeriesStore& store, SampleMetrics& m, HttpRequest& req) {
  auto principal = Authenticate(ctx, req, Role::kOperator);
  if (!principal.ok()) {
    m.batches.WithLabels({"unauthorized"}).Inc();
    return ErrorResponse(principal.status());
  }
  if (req.body.size() > kMaxMetricSamplesBodyBytes) {
    m.batches.WithLabels({"malformed"}).Inc();
    HttpResponse r = ErrorResponse(InvalidArgumentError("body: at most " + std::to_string(kMaxMetricSamplesBodyBytes) +
                                                        " bytes; send fewer samples per request"));
    r.status = 413;
    return r;
  }
  auto batch = metrics::DecodeSampleBatch(req.body);
  if (!batch.ok()) {
    m.batches.WithLabels({"malformed"}).Inc();
    return ErrorResponse(batch.status());
  }
  const int64_t now = UnixMillis(ctx.clock.Now());
  for (size_t i = 0; i < batch->samples.size(); ++i) {
    if (batch->samples[i].time_ms > now + kMaxFutureMs) {
      m.batches.WithLabels({"malformed"}).Inc();
      return ErrorResponse(
          InvalidArgumentError("samples[" + std::to_string(i) + "].time: more than 5m ahead of the server's clock"));
    }
  }
  std::string group = batch->group.empty() ? HostGroup(ctx, batch->host) : batch->group;
  size_t stored = 0, too_old = 0, over_limit = 0;
  for (const auto& sample : batch->samples) {
    for (const auto& [name, value] : sample.values) {
      Status s = store.Append(batch->host, group, name, sample.time_ms, value);
      if (s.ok()) {
        ++stored;
      } else if (s.code() == StatusCode::kResourceExhausted) {
        ++over_limit;
      } else {
        ++too_old;
      }
    }
  }
  if (over_limit > 0) {
    LogWarn("metrics store is full; points of new series dropped",
            {{"host", batch->host}, {"dropped", std::to_string(over_limit)}});
  }
  m.batches.WithLabels({"stored"}).Inc();
  m.points.WithLabels({"stored"}).Inc(static_cast<double>(stored));
  m.points.WithLabels({"too_old"}).Inc(static_cast<double>(too_old));
  m.points.WithLabels({"series_limit"}).Inc(static_cast<double>(over_limit));
  m.series.Get().Set(static_cast<double>(store.series_count()));
  m.bytes.Get().Set(static_cast<double>(store.MemoryBytes()));
  return JsonResponse(200, {{"stored", stored}, {"dropped", too_old + over_limit}});
}

// Unix milliseconds or RFC 3339.
Result<int64_t> ParseTime(const std::string& name, const std::string& v) {
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
  if (ec == std::errc() && end == v.data() + v.size() && ms >= 0) return ms;
  auto t = ParseRfc3339(v);
  if (t.ok()) return UnixMillis(*t);
  return InvalidArgumentError("query parameter " + name + ": expected Unix milliseconds or RFC 3339, got \"" +
                              v.substr(0, 64) + "\"");
}

Result<int64_t> ParseDurationParam(const std::string& name, const std::string& v) {
  auto d = ParseDuration(v);
  if (!d.ok() || d->count() <= 0) {
    return InvalidArgumentError("query parameter " + name + ": expected a duration such as 30s or 5m, got \"" +
                                v.substr(0, 64) + "\"");
  }
  return d->count();
}

json SeriesLabels(const std::string& host, const std::string& group) {
  json labels{{"host", host}};
  if (!group.empty()) labels["group"] = group;
  return labels;
}

HttpResponse Query(ApiContext& ctx, const SeriesStore& store, HttpRequest& req) {
  auto principal = Authenticate(ctx, req, Role::kViewer);
  if (!principal.ok()) return ErrorResponse(principal.status());
  const std::string metric = req.Query("metric");
  const std::string host = req.Query("host");
  static const std::set<std::string> kRange{"metric", "host", "from", "to", "step"};
  static const std::set<std::string> kAggregate{"metric", "group", "agg", "window", "over", "time"};
  const auto& allowed = host.empty() ? kAggregate : kRange;
  for (const auto& [name, value] : req.query) {
    if (!allowed.count(name)) {
      return ErrorResponse(
          InvalidArgumentError("query parameter " + name.substr(0, 64) + ": unknown " +
                               (host.empty() ? "for an aggregate query (metric, group, agg, window, over, time)"
                                             : "for a range query (metric, host, from, to, step)")));
    }
  }
  if (!metrics::IsValidSeriesName(metric)) {
    return ErrorResponse(
        InvalidArgumentError("query parameter metric: expected a series name such as "
                             "cpu_busy_percent, got \"" +
                             metric.substr(0, 64) + "\""));
  }
  const int64_t now = UnixMillis(ctx.clock.Now());
  const int64_t resolution_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(store.options().resolution).count();
  if (!host.empty()) {
    int64_t to = now, from = 0, step = resolution_ms;
    if (std::string v = req.Query("to"); !v.empty()) {
      auto t = ParseTime("to", v);
      if (!t.ok()) return ErrorResponse(t.status());
      to = *t;
    }
    from = to - 3'600'000;
    if (std::string v = req.Query("from"); !v.empty()) {
      auto t = ParseTime("from", v);
      if (!t.ok()) return ErrorResponse(t.status());
      from = *t;
    }
    if (from > to) return ErrorResponse(InvalidArgumentError("query parameter from: must not be after to"));
    if (std::string v = req.Query("step"); !v.empty()) {
      auto d = ParseDurationParam("step", v);
      if (!d.ok()) return ErrorResponse(d.status());
      step = std::max(*d, resolution_ms);
    }
    if ((to - from) / step + 1 > static_cast<int64_t>(kMaxRangePoints)) {
      return ErrorResponse(InvalidArgumentError("query parameter step: (to - from) / step exceeds " +
                                                std::to_string(kMaxRangePoints) + " points; raise step"));
    }
    auto points = store.Range(host, metric, from, to, step);
    json values = json::array();
    for (const auto& p : points) values.push_back(json::array({p.time_ms, p.value}));
    return JsonResponse(200, {{"metric", metric},
                              {"labels", SeriesLabels(host, store.GroupOf(host))},
                              {"from", from},
                              {"to", to},
                              {"step", step},
                              {"points", std::move(values)}});
  }
  metrics::AggregateQuery q;
  q.metric = metric;
  q.group = req.Query("group");
  q.at_ms = now;
  if (std::string v = req.Query("agg"); !v.empty()) {
    auto a = metrics::ParseAggregation(v);
    if (!a.ok()) return ErrorResponse(InvalidArgumentError("query parameter " + a.status().message()));
    q.agg = *a;
  }
  if (std::string v = req.Query("over"); !v.empty()) {
    auto o = metrics::ParseAggregateOver(v);
    if (!o.ok()) return ErrorResponse(InvalidArgumentError("query parameter " + o.status().message()));
    q.over = *o;
  }
  if (std::string v = req.Query("window"); !v.empty()) {
    auto d = ParseDurationParam("window", v);
    if (!d.ok()) return ErrorResponse(d.status());
    q.window_ms = *d;
  }
  if (std::string v = req.Query("time"); !v.empty()) {
    auto t = ParseTime("time", v);
    if (!t.ok()) return ErrorResponse(t.status());
    q.at_ms = *t;
  }
  auto r = store.Query(q);
  json body{{"metric", metric},
            {"group", q.group},
            {"agg", std::string(metrics::AggregationName(q.agg))},
            {"over", q.over == metrics::AggregateOver::kLatest ? "latest" : "points"},
            {"window_ms", q.window_ms},
            {"time", q.at_ms},
            {"value", r.value ? json(*r.value) : json(nullptr)},
            {"hosts", r.hosts},
            {"points", r.points}};
  return JsonResponse(200, body);
}

}  // namespace

void RegisterMetricsRoutes(HttpServer& server, ApiContext& ctx, SeriesStore& store, MetricsRegistry& registry) {
  auto m = std::make_shared<SampleMetrics>(registry);
  server.Route("POST", "/v1/metrics/samples", [&ctx, &store, m](HttpRequest& r) { return Ingest(ctx, store, *m, r); });
  server.Route("GET", "/v1/metrics/query", [&ctx, &store](HttpRequest& r) { return Query(ctx, store, r); });
}

}  // namespace kelola
