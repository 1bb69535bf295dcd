#include "api/run_log_handlers.h"

#include <thread>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/request_auth.h"
#include "pipeline/run_log.h"
#include "pipeline/run_queue.h"

namespace kelola {
namespace {

using json = nlohmann::json;

json LineJson(const RunLogLine& l) {
  return json{{"n", l.n}, {"time", FormatRfc3339(l.time)}, {"step", l.step}, {"stream", l.stream}, {"line", l.line}};
}

// How often a follower looks for new lines and for the run's end.
constexpr auto kFollowPoll = std::chrono::milliseconds(100);
constexpr auto kStatusPoll = std::chrono::milliseconds(500);

HttpResponse Follow(ApiContext& ctx, const std::string& run_id, const std::string& path) {
  struct State {
    uint64_t offset = 0;
    bool finished = false;  // the run ended: drain and stop
    MonoTime last_status_check{};
    MonoTime last_write{};
  };
  auto state = std::make_shared<State>();
  state->last_write = ctx.clock.Monotonic();
  HttpResponse r;
  r.status = 200;
  r.headers["Content-Type"] = "application/x-ndjson";
  r.headers["Cache-Control"] = "no-cache";
  r.headers["X-Accel-Buffering"] = "no";
  r.stream = [&ctx, state, run_id, path](std::string& out) {
    if (ctx.shutting_down && ctx.shutting_down->load()) return false;
    // Checked before reading, so the last lines written before the end are read after it.
    const MonoTime now = ctx.clock.Monotonic();
    bool ended = state->finished;
    if (!ended && now - state->last_status_check >= kStatusPoll) {
      state->last_status_check = now;
      auto run = GetRunById(ctx.store, run_id);
      ended = !run.ok() || IsFinishedRunStatus(run->status);
    }
    auto chunk = ReadRunLog(path, state->offset);
    if (!chunk.ok()) return false;
    state->offset = chunk->next_offset;
    for (const RunLogLine& l : chunk->lines)
      out += LineJson(l).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    if (!out.empty()) {
      state->last_write = now;
      if (ended) state->finished = true;  // one more read after this batch
      return true;
    }
    if (ended) return false;
    if (now - state->last_write > std::chrono::seconds(15)) {
      out = "\n";  // an empty line: keeps proxies from closing an idle stream; clients skip it
      state->last_write = now;
      return true;
    }
    std::this_thread::sleep_for(kFollowPoll);
    return true;
  };
  return r;
}

HttpResponse Logs(ApiContext& ctx, HttpRequest& req, const std::string& logs_dir) {
  const std::string id = req.path_params["id"];
  auto run = GetRunById(ctx.store, id);
  if (!run.ok()) return ErrorResponse(run.status());
  auto path = RunLogPath(logs_dir, id);
  if (!path.ok()) return ErrorResponse(path.status());
  const std::string follow = req.Query("follow");
  if (follow == "1" || follow == "true") return Follow(ctx, id, *path);
  auto chunk = ReadRunLog(*path, 0, SIZE_MAX);
  if (!chunk.ok()) return ErrorResponse(chunk.status());
  json items = json::array();
  for (const RunLogLine& l : chunk->lines) items.push_back(LineJson(l));
  return JsonResponse(200, json{{"items", std::move(items)}, {"finished", IsFinishedRunStatus(run->status)}});
}

}  // namespace

void RegisterRunLogRoutes(HttpServer& server, ApiContext& ctx, std::string logs_dir) {
  server.Route("GET", "/v1/runs/{id}/logs",
               Authorized(ctx, Role::kViewer,
                          [&ctx, logs_dir](HttpRequest& r, const Principal&) { return Logs(ctx, r, logs_dir); }));
}

}  // namespace kelola
