#include "api/log_handlers.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "base/config_schema.h"
#include "logs/log_frame.h"

namespace kelola {
namespace {

using json = nlohmann::json;

// Log lines are not guaranteed UTF-8: invalid bytes become U+FFFD rather
// than failing the whole response.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json EncodeRecord(const StoredRecord& s) {
  return json{{"id", s.id},
              {"time", FormatRfc3339(WallTime(std::chrono::milliseconds(s.record.time_ms)))},
              {"timeMs", s.record.time_ms},
              {"agent", s.agent},
              {"labels", s.labels},
              {"file", s.record.path},
              {"stream", s.record.stream_id},
              {"offset", s.record.offset},
              {"split", s.record.split},
              {"text", s.record.text},
              {"level", s.record.level},
              {"fields", s.record.fields}};
}

Result<int64_t> ParseInt(const std::string& text, const char* what) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return InvalidArgumentError(std::string("query parameter ") + what + ": expected an integer, got \"" + text + "\"");
  }
  return n;
}

Result<LogQuery> ParseLogQuery(const HttpRequest& req, Clock& clock) {
  LogQuery q;
  if (std::string v = req.Query("from"); !v.empty()) {
    KELOLA_ASSIGN_OR_RETURN(q.from_ms, ParseInt(v, "from"));
  }
  if (std::string v = req.Query("to"); !v.empty()) {
    KELOLA_ASSIGN_OR_RETURN(q.to_ms, ParseInt(v, "to"));
  }
  if (std::string v = req.Query("since"); !v.empty()) {
    auto d = ParseDuration(v);
    if (!d.ok()) return d.status().WithContext("query parameter since");
    q.from_ms = UnixMillis(clock.Now()) - d->count();
  }
  // Records of one template (the field the server's template miner adds).
  if (std::string t = req.Query("template"); !t.empty()) q.fields["template_id"] = t;
  std::string selector = req.Query("selector");
  size_t pos = 0;
  while (pos < selector.size()) {
    size_t comma = selector.find(',', pos);
    std::string item = selector.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? selector.size() : comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("query parameter selector: expected name=value, got \"" + item + "\"");
    }
    q.labels[item.substr(0, eq)] = item.substr(eq + 1);
  }
  q.contains = req.Query("contains");
  q.regex = req.Query("regex");
  q.min_level = req.Query("level");
  if (std::string v = req.Query("after"); !v.empty()) {
    KELOLA_ASSIGN_OR_RETURN(int64_t after, ParseInt(v, "after"));
    if (after < 0) return InvalidArgumentError("query parameter after: must be >= 0");
    q.after_id = static_cast<uint64_t>(after);
  }
  if (std::string v = req.Query("limit"); !v.empty()) {
    KELOLA_ASSIGN_OR_RETURN(int64_t limit, ParseInt(v, "limit"));
    if (limit <= 0 || limit > 10'000) return InvalidArgumentError("query parameter limit: must be 1-10000");
    q.limit = static_cast<size_t>(limit);
  }
  return q;
}

// Authenticates without an audit event per request (ingest is high volume).
Result<Principal> Authenticate(ApiContext& ctx, const HttpRequest& req, Role need) {
  KELOLA_ASSIGN_OR_RETURN(Principal p, ctx.tokens->Authenticate(req.Header("Authorization")));
  if (p.role < need) {
    return PermissionDeniedError("token \"" + p.name + "\" has role " + std::string(RoleName(p.role)) +
                                 "; this needs " + std::string(RoleName(need)));
  }
  return p;
}

struct LogMetrics {
  explicit LogMetrics(MetricsRegistry& m)
      : batches(m.AddCounter("kelola_log_ingest_batches_total", "Agent batches received, by outcome.", {"outcome"})),
        records(m.AddCounter("kelola_log_ingest_records_total",
                             "Records received: stored, or dropped as duplicates of stored ones.", {"outcome"})),
        store_bytes(m.AddGauge("kelola_log_store_bytes", "Bytes in the embedded log store's segments.")) {}
  CounterFamily& batches;
  CounterFamily& records;
  GaugeFamily& store_bytes;
};

HttpResponse Ingest(ApiContext& ctx, LogStore& store, LogBatchPublisher* shared, LogMetrics& metrics,
                    HttpRequest& req) {
  auto principal = Authenticate(ctx, req, Role::kOperator);
  if (!principal.ok()) {
    metrics.batches.WithLabels({"unauthorized"}).Inc();
    return ErrorResponse(principal.status());
  }
  auto batch = DecodeFrame(req.body);
  if (!batch.ok()) {
    metrics.batches.WithLabels({"malformed"}).Inc();
    return ErrorResponse(batch.status());
  }
  Result<AppendResult> result = AppendResult{};
  if (shared != nullptr) {
    // Shared, then applied here by the feed in table order; acknowledged means both.
    result = shared->Publish(*batch, req.body);
    if (!result.ok()) {
      metrics.batches.WithLabels({"share_failed"}).Inc();
      return ErrorResponse(UnavailableError("storing logs: " + result.status().message()));
    }
  } else {
    std::optional<CompressedPayload> as_sent = StorableFramePayload(req.body);
    result = store.Append(*batch, as_sent ? &*as_sent : nullptr);
  }
  if (!result.ok()) {
    metrics.batches.WithLabels({"store_failed"}).Inc();
    // Retryable for the agent: nothing of the batch was stored.
    return ErrorResponse(UnavailableError("storing logs: " + result.status().message()));
  }
  metrics.batches.WithLabels({"stored"}).Inc();
  metrics.records.WithLabels({"stored"}).Inc(static_cast<double>(result->accepted));
  metrics.records.WithLabels({"duplicate"}).Inc(static_cast<double>(result->duplicates));
  metrics.store_bytes.Get().Set(static_cast<double>(store.Stats().bytes));
  return HttpResponse::Json(200, Dump(json{{"accepted", result->accepted}, {"duplicates", result->duplicates}}));
}

HttpResponse Query(ApiContext& ctx, LogStore& store, HttpRequest& req) {
  auto principal = Authenticate(ctx, req, Role::kViewer);
  if (!principal.ok()) return ErrorResponse(principal.status());
  auto q = ParseLogQuery(req, ctx.clock);
  if (!q.ok()) return ErrorResponse(q.status());
  auto result = store.Query(*q);
  if (!result.ok()) return ErrorResponse(result.status());
  json items = json::array();
  for (const auto& r : result->records) items.push_back(EncodeRecord(r));
  return HttpResponse::Json(200, Dump(json{{"items", items}, {"next", result->last_id}, {"more", result->more}}));
}

HttpResponse Tail(ApiContext& ctx, LogStore& store, HttpRequest& req) {
  auto principal = Authenticate(ctx, req, Role::kViewer);
  if (!principal.ok()) return ErrorResponse(principal.status());
  auto parsed = ParseLogQuery(req, ctx.clock);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  LogQuery q = *parsed;
  bool has_after = !req.Query("after").empty() || !req.Header("Last-Event-ID").empty();
  if (!req.Header("Last-Event-ID").empty()) {
    auto id = ParseInt(req.Header("Last-Event-ID"), "Last-Event-ID");
    if (!id.ok() || *id < 0) return ErrorResponse(InvalidArgumentError("Last-Event-ID: expected a record id"));
    q.after_id = static_cast<uint64_t>(*id);
  }
  if (!has_after) q.after_id = store.Stats().next_id - 1;  // from now on
  q.limit = 1000;
  HttpResponse r;
  r.status = 200;
  r.headers["Content-Type"] = "text/event-stream";
  r.headers["Cache-Control"] = "no-cache";
  r.headers["X-Accel-Buffering"] = "no";
  auto last_write = std::make_shared<MonoTime>(ctx.clock.Monotonic());
  r.stream = [&ctx, &store, q, last_write](std::string& out) mutable {
    if (ctx.shutting_down && ctx.shutting_down->load()) return false;
    store.WaitForNewer(q.after_id, ctx.clock.Monotonic() + std::chrono::milliseconds(500));
    // Everything up to `end` is covered by this query; later appends are not skipped.
    uint64_t end = store.Stats().next_id - 1;
    auto result = store.Query(q);
    if (!result.ok()) return false;
    for (const auto& rec : result->records) {
      out += "id: " + std::to_string(rec.id) + "\ndata: " + Dump(EncodeRecord(rec)) + "\n\n";
    }
    // Skip past blocks that had no match, too, so they are not read again.
    q.after_id = result->more ? result->last_id : std::max(result->last_id, end);
    auto now = ctx.clock.Monotonic();
    if (!out.empty()) {
      *last_write = now;
    } else if (now - *last_write > std::chrono::seconds(15)) {
      out = ": keep-alive\n\n";
      *last_write = now;
    }
    return true;
  };
  return r;
}

}  // namespace

void RegisterLogRoutes(HttpServer& server, ApiContext& ctx, LogStore& store, MetricsRegistry& registry,
                       LogBatchPublisher* shared) {
  auto metrics = std::make_shared<LogMetrics>(registry);
  server.Route("POST", "/v1/logs/ingest",
               [&ctx, &store, shared, metrics](HttpRequest& r) { return Ingest(ctx, store, shared, *metrics, r); });
  server.Route("GET", "/v1/logs/query", [&ctx, &store](HttpRequest& r) { return Query(ctx, store, r); });
  server.Route("GET", "/v1/logs/tail", [&ctx, &store](HttpRequest& r) { return Tail(ctx, store, r); });
}

}  // namespace kelola
