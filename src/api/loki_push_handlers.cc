#include "api/loki_push_handlers.h"

#include "api/api_error.h"
#include "api/loki_push_ingest.h"
#include "base/crypto.h"

namespace kelola {
namespace {

struct LokiPushMetrics {
  explicit LokiPushMetrics(MetricsRegistry& m)
      : requests(
            m.AddCounter("kelola_loki_push_requests_total", "Loki push requests received, by outcome.", {"outcome"})),
        entries(m.AddCounter("kelola_loki_push_entries_total",
                             "Loki push entries: stored, or dropped as at or before their stream's newest stored "
                             "entry (retries).",
                             {"outcome"})),
        metadata_dropped(m.AddCounter("kelola_loki_push_structured_metadata_dropped_total",
                                      "Loki push entries whose structured metadata was not stored.", {})) {}
  CounterFamily& requests;
  CounterFamily& entries;
  CounterFamily& metadata_dropped;
};

// "Bearer <token>" as is; "Basic base64(user:token)" becomes "Bearer <token>".
Result<std::string> BearerFromAuthorization(const std::string& header) {
  constexpr std::string_view kBasic = "Basic ";
  if (header.size() <= kBasic.size() || header.compare(0, kBasic.size(), kBasic) != 0) return header;
  auto decoded = Base64Decode(std::string_view(header).substr(kBasic.size()));
  if (!decoded.ok()) return UnauthenticatedError("Authorization: basic credentials are not base64");
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return UnauthenticatedError("Authorization: basic credentials need user:password");
  return "Bearer " + decoded->substr(colon + 1);
}

HttpResponse Push(ApiContext& ctx, LogStore& store, LogBatchPublisher* shared, LokiPushMetrics& metrics,
                  const LokiPushLimits& limits, HttpRequest& req) {
  auto fail = [&](const char* outcome, const Status& s, int http_status) {
    metrics.requests.WithLabels({outcome}).Inc();
    HttpResponse r = ErrorResponse(s);
    r.status = http_status;
    return r;
  };
  auto authorization = BearerFromAuthorization(req.Header("Authorization"));
  if (!authorization.ok()) return fail("unauthorized", authorization.status(), 401);
  auto principal = ctx.tokens->Authenticate(*authorization);
  if (!principal.ok()) return fail("unauthorized", principal.status(), HttpStatusFor(principal.status().code()));
  if (principal->role < Role::kOperator) {
    return fail("forbidden",
                PermissionDeniedError("token \"" + principal->name + "\" has role " +
                                      std::string(RoleName(principal->role)) + "; pushing logs needs operator"),
                403);
  }
  auto push = DecodeLokiPushBody(req.body, req.Header("Content-Type"), req.Header("Content-Encoding"), limits);
  if (!push.ok()) {
    switch (push.status().code()) {
      case StatusCode::kResourceExhausted: return fail("too_large", push.status(), 413);
      case StatusCode::kUnimplemented: return fail("malformed", push.status(), 415);
      default: return fail("malformed", push.status(), 400);
    }
  }
  auto batches = LokiPushToBatches(*push, principal->name);
  if (!batches.ok()) return fail("malformed", batches.status(), 400);
  uint64_t stored = 0, duplicates = 0;
  for (const auto& batch : batches->batches) {
    // With replicas: shared, then applied here by the feed (log_handlers.cc).
    auto result = shared != nullptr ? shared->Publish(batch, {}) : store.Append(batch);
    if (!result.ok()) {
      // Batches stored before this one are deduplicated when the client retries.
      return fail("store_failed", UnavailableError("storing logs: " + result.status().message()), 503);
    }
    stored += result->accepted;
    duplicates += result->duplicates;
  }
  metrics.requests.WithLabels({"stored"}).Inc();
  metrics.entries.WithLabels({"stored"}).Inc(static_cast<double>(stored));
  metrics.entries.WithLabels({"duplicate"}).Inc(static_cast<double>(duplicates));
  if (batches->metadata_dropped > 0) {
    metrics.metadata_dropped.Get().Inc(static_cast<double>(batches->metadata_dropped));
  }
  HttpResponse ok;
  ok.status = 204;
  return ok;
}

}  // namespace

void RegisterLokiPushRoutes(HttpServer& server, ApiContext& ctx, LogStore& store, MetricsRegistry& registry,
                            LokiPushLimits limits, LogBatchPublisher* shared) {
  auto metrics = std::make_shared<LokiPushMetrics>(registry);
  server.Route("POST", std::string(kLokiPushPath), [&ctx, &store, shared, metrics, limits](HttpRequest& r) {
    return Push(ctx, store, shared, *metrics, limits, r);
  });
}

}  // namespace kelola
