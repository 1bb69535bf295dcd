#include "api/event_handlers.h"

#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/request_auth.h"

namespace kelola {
namespace {

using json = nlohmann::json;

json EncodeEvent(const Event& e) {
  json data = json::parse(e.data_json, nullptr, false);
  if (data.is_discarded()) data = e.data_json;
  return json{{"id", e.id},       {"time", FormatRfc3339(e.time)},
              {"type", e.type},   {"subject", e.subject},
              {"actor", e.actor}, {"data", data}};
}

Result<int64_t> ParseId(const std::string& text, const char* what) {
  if (text.empty()) return int64_t{0};
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 0) {
    return InvalidArgumentError(std::string(what) + ": expected a non-negative integer, got \"" + text + "\"");
  }
  return n;
}

bool Matches(const EventFilter& f, const Event& e) {
  if (e.id <= f.after_id) return false;
  if (!f.type_prefix.empty() && e.type.compare(0, f.type_prefix.size(), f.type_prefix) != 0) return false;
  if (!f.subject.empty() && e.subject != f.subject) return false;
  return true;
}

// The state of one SSE stream: events arrive from the store's subscription
// (writer threads) and leave through the producer (the stream's thread).
struct EventFollower {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Event> pending;
  int64_t last_sent = 0;
  bool overflowed = false;
  std::unique_ptr<Store::Subscription> subscription;
  MonoTime last_write{};
};

constexpr size_t kMaxPending = 10'000;

HttpResponse Follow(ApiContext& ctx, EventFilter filter) {
  auto state = std::make_shared<EventFollower>();
  state->last_sent = filter.after_id;
  // Subscribe first, then replay: an event appended in between is in both
  // and is skipped by id, so nothing falls into the gap.
  // The subscription is owned by the state, so its callback holds the state
  // weakly: when the stream ends, both go away.
  std::weak_ptr<EventFollower> weak = state;
  state->subscription = ctx.store.Subscribe([weak, filter](const Event& e) {
    auto state = weak.lock();
    if (!state) return;
    std::lock_guard<std::mutex> l(state->mu);
    if (!Matches(filter, e)) return;
    if (state->pending.size() >= kMaxPending) {
      state->overflowed = true;
    } else {
      state->pending.push_back(e);
    }
    state->cv.notify_one();
  });
  state->last_write = ctx.clock.Monotonic();
  HttpResponse r;
  r.status = 200;
  r.headers["Content-Type"] = "text/event-stream";
  r.headers["Cache-Control"] = "no-cache";
  r.headers["X-Accel-Buffering"] = "no";
  bool replayed = false;
  r.stream = [&ctx, state, filter, replayed](std::string& out) mutable {
    if (ctx.shutting_down && ctx.shutting_down->load()) return false;
    std::vector<Event> batch;
    if (!replayed) {
      // Catch up from the log in pages, then switch to the live queue.
      EventFilter page = filter;
      page.after_id = state->last_sent;
      page.limit = 1000;
      auto events = ctx.store.ListEvents(page);
      if (!events.ok()) return false;
      batch = std::move(*events);
      if (batch.size() < 1000) replayed = true;
    } else {
      std::unique_lock<std::mutex> l(state->mu);
      if (state->overflowed) {
        // The client fell too far behind: go back to the log, losing nothing.
        state->overflowed = false;
        state->pending.clear();
        replayed = false;
        return true;
      }
      if (state->pending.empty()) {
        state->cv.wait_for(l, std::chrono::milliseconds(500));
      }
      while (!state->pending.empty()) {
        batch.push_back(std::move(state->pending.front()));
        state->pending.pop_front();
      }
    }
    for (const auto& e : batch) {
      if (e.id <= state->last_sent) continue;
      state->last_sent = e.id;
      out += "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + EncodeEvent(e).dump() + "\n\n";
    }
    auto now = ctx.clock.Monotonic();
    if (!out.empty()) {
      state->last_write = now;
    } else if (now - state->last_write > std::chrono::seconds(15)) {
      out = ": keep-alive\n\n";  // lets proxies and clients see the stream is alive
      state->last_write = now;
    }
    return true;
  };
  return r;
}

HttpResponse Events(ApiContext& ctx, HttpRequest& req) {
  EventFilter filter;
  std::string after = req.Query("after");
  if (after.empty()) after = req.Header("Last-Event-ID");
  auto after_id = ParseId(after, "query parameter after");
  if (!after_id.ok()) return ErrorResponse(after_id.status());
  filter.after_id = *after_id;
  filter.type_prefix = req.Query("type");
  filter.subject = req.Query("subject");
  auto limit = ParseId(req.Query("limit"), "query parameter limit");
  if (!limit.ok()) return ErrorResponse(limit.status());
  filter.limit = *limit == 0 ? 1000 : static_cast<int>(std::min<int64_t>(*limit, 10'000));
  std::string follow = req.Query("follow");
  if (follow == "1" || follow == "true") return Follow(ctx, filter);
  auto events = ctx.store.ListEvents(filter);
  if (!events.ok()) return ErrorResponse(events.status());
  json items = json::array();
  for (const auto& e : *events) items.push_back(EncodeEvent(e));
  return JsonResponse(200, json{{"items", items}, {"lastEventId", ctx.store.LastEventId()}});
}

}  // namespace

void RegisterEventRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("GET", "/v1/events",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return Events(ctx, r); }));
}

}  // namespace kelola
