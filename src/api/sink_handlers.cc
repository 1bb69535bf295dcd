#include "api/sink_handlers.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Status Authorize(ApiContext& ctx, const HttpRequest& req) {
  KELOLA_ASSIGN_OR_RETURN(Principal p, ctx.tokens->Authenticate(req.Header("Authorization")));
  (void)p;  // every role may read
  return OkStatus();
}

Result<uint64_t> ParseCount(const std::string& text, const char* what) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
    return InvalidArgumentError(std::string("query parameter ") + what + ": expected a non-negative integer");
  }
  return n;
}

}  // namespace

void RegisterSinkRoutes(HttpServer& server, ApiContext& ctx, std::vector<const SinkForwarder*> sinks) {
  server.Route("GET", "/v1/logs/sinks", [&ctx, sinks](HttpRequest& req) {
    if (Status s = Authorize(ctx, req); !s.ok()) return ErrorResponse(s);
    json items = json::array();
    for (const SinkForwarder* f : sinks) {
      SinkForwarderStats st = f->Stats();
      json item{{"name", f->name()},
                {"type", std::string(f->kind())},
                {"cursor", st.cursor},
                {"lag", st.lag},
                {"sent", st.sent},
                {"deadLettered", st.dead_lettered},
                {"expired", st.expired},
                {"itemRetries", st.item_retries},
                {"batchRetries", st.batch_retries},
                {"consecutiveFailures", st.consecutive_failures},
                {"lastError", st.last_error}};
      if (st.last_error_ms != 0) {
        item["lastErrorTime"] = FormatRfc3339(WallTime(std::chrono::milliseconds(st.last_error_ms)));
      }
      items.push_back(std::move(item));
    }
    return HttpResponse::Json(200, Dump(json{{"items", items}}));
  });
  server.Route("GET", "/v1/logs/dead-letters", [&ctx, sinks](HttpRequest& req) {
    if (Status s = Authorize(ctx, req); !s.ok()) return ErrorResponse(s);
    std::string name = req.Query("sink");
    const SinkForwarder* sink = nullptr;
    for (const SinkForwarder* f : sinks) {
      if (f->name() == name) sink = f;
    }
    if (name.empty()) return ErrorResponse(InvalidArgumentError("query parameter sink: required"));
    if (sink == nullptr) return ErrorResponse(NotFoundError("no log sink named \"" + name.substr(0, 64) + "\""));
    uint64_t after = 0;
    uint64_t limit = 100;
    if (std::string v = req.Query("after"); !v.empty()) {
      auto n = ParseCount(v, "after");
      if (!n.ok()) return ErrorResponse(n.status());
      after = *n;
    }
    if (std::string v = req.Query("limit"); !v.empty()) {
      auto n = ParseCount(v, "limit");
      if (!n.ok()) return ErrorResponse(n.status());
      if (*n < 1 || *n > 1000) return ErrorResponse(InvalidArgumentError("query parameter limit: must be 1-1000"));
      limit = *n;
    }
    auto entries = sink->dead_letters().Read(after, limit);
    if (!entries.ok()) return ErrorResponse(entries.status());
    json items = json::array();
    uint64_t next = after;
    for (const auto& e : *entries) {
      items.push_back(json{{"sink", e.sink},
                           {"time", FormatRfc3339(WallTime(std::chrono::milliseconds(e.time_ms)))},
                           {"recordId", e.record_id},
                           {"httpStatus", e.http_status},
                           {"reason", e.reason},
                           {"agent", e.agent},
                           {"file", e.path},
                           {"stream", e.stream_id},
                           {"offset", e.offset},
                           {"text", e.text}});
      next = e.record_id;
    }
    return HttpResponse::Json(200, Dump(json{{"items", items}, {"next", next}}));
  });
}

}  // namespace kelola
