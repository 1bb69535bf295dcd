#include "api/run_handlers.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/request_auth.h"
#include "pipeline/run_queue.h"

namespace kelola {
namespace {

using json = nlohmann::json;

Result<int64_t> QueryInt(const HttpRequest& req, const std::string& name, int64_t fallback, int64_t min, int64_t max) {
  const std::string text = req.Query(name);
  if (text.empty()) return fallback;
  try {
    size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used == text.size() && v >= min && v <= max) return static_cast<int64_t>(v);
  } catch (const std::exception&) {
  }
  return InvalidArgumentError("query parameter " + name + " must be an integer from " + std::to_string(min) + " to " +
                              std::to_string(max));
}

HttpResponse List(ApiContext& ctx, HttpRequest& req) {
  RunFilter filter;
  filter.pipeline = req.Query("pipeline");
  filter.status = req.Query("status");
  auto limit = QueryInt(req, "limit", 50, 1, 1000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto before = QueryInt(req, "before", 0, 0, INT64_MAX);
  if (!before.ok()) return ErrorResponse(before.status());
  filter.limit = static_cast<int>(*limit);
  filter.before_seq = *before;
  auto records = ctx.store.ListRuns(filter);
  if (!records.ok()) return ErrorResponse(records.status());
  json items = json::array();
  for (const RunRecord& rec : *records) {
    auto run = RunFromRecord(rec);
    if (!run.ok()) return ErrorResponse(run.status());
    items.push_back(RunToJson(*run));
  }
  json body = {{"items", std::move(items)}};
  // A full page may have more behind it: the next page starts before the last one.
  if (!records->empty() && static_cast<int64_t>(records->size()) == *limit) {
    body["continue"] = std::to_string(records->back().seq);
  }
  return JsonResponse(200, body);
}

HttpResponse Get(ApiContext& ctx, HttpRequest& req) {
  auto run = GetRunById(ctx.store, req.path_params["id"]);
  if (!run.ok()) return ErrorResponse(run.status());
  return JsonResponse(200, RunToJson(*run));
}

HttpResponse Cancel(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  auto run = CancelRun(ctx.store, ctx.clock, req.path_params["id"], "cancelled by " + who.Actor());
  if (!run.ok()) return ErrorResponse(run.status());
  return JsonResponse(200, RunToJson(*run));
}

HttpResponse Retry(ApiContext& ctx, HttpRequest& req) {
  auto run = RetryRun(ctx.store, req.path_params["id"]);
  if (!run.ok()) return ErrorResponse(run.status());
  HttpResponse r = JsonResponse(201, RunToJson(*run));
  r.headers["Location"] = "/v1/runs/" + run->id;
  return r;
}

}  // namespace

void RegisterRunRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("GET", "/v1/runs",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return List(ctx, r); }));
  server.Route("GET", "/v1/runs/{id}",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return Get(ctx, r); }));
  server.Route(
      "POST", "/v1/runs/{id}/cancel",
      Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) { return Cancel(ctx, r, p); }));
  server.Route("POST", "/v1/runs/{id}/retry",
               Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal&) { return Retry(ctx, r); }));
}

}  // namespace kelola
