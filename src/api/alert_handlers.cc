#include "api/alert_handlers.h"

#include <nlohmann/json.hpp>

#include "alerting/alert_records.h"
#include "alerting/label_matcher.h"
#include "alerting/silence.h"
#include "api/api_error.h"
#include "api/request_auth.h"
#include "base/crypto.h"

namespace kelola {
namespace {

using json = nlohmann::json;

Result<std::optional<bool>> QueryBool(const HttpRequest& req, const std::string& name) {
  std::string v = req.Query(name);
  if (v.empty()) return std::optional<bool>();
  if (v == "true") return std::optional<bool>(true);
  if (v == "false") return std::optional<bool>(false);
  return InvalidArgumentError("query parameter " + name + ": expected true or false");
}

HttpResponse ListAlerts(ApiContext& ctx, HttpRequest& req) {
  std::optional<AlertState> state;
  if (std::string s = req.Query("state"); !s.empty()) {
    auto parsed = ParseAlertState(s);
    if (!parsed.ok()) return ErrorResponse(InvalidArgumentError("query parameter " + parsed.status().message()));
    state = *parsed;
  }
  auto filter = ParseMatchers(req.Query("filter"));
  if (!filter.ok()) return ErrorResponse(InvalidArgumentError("query parameter filter: " + filter.status().message()));
  auto silenced = QueryBool(req, "silenced");
  if (!silenced.ok()) return ErrorResponse(silenced.status());
  auto inhibited = QueryBool(req, "inhibited");
  if (!inhibited.ok()) return ErrorResponse(inhibited.status());
  auto resources = ListAllResources(ctx.store, kAlertKind);
  if (!resources.ok()) return ErrorResponse(resources.status());
  json items = json::array();
  for (const Resource& r : *resources) {
    auto alert = AlertFromResource(r);
    if (!alert.ok()) continue;  // not written by the manager; the resource API still shows it
    if (state && alert->state != *state) continue;
    if (!MatchesAll(*filter, alert->alert.labels)) continue;
    if (*silenced && **silenced != !alert->silenced_by.empty()) continue;
    if (*inhibited && **inhibited != !alert->inhibited_by.empty()) continue;
    items.push_back(json::parse(AlertApiJson(*alert)));
  }
  return JsonResponse(200, {{"items", std::move(items)}});
}

Result<std::string> NewSilenceId() {
  KELOLA_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(16));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    auto b = static_cast<unsigned char>(bytes[i]);
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

json SilenceJson(const Silence& s, WallTime now) {
  json matchers = json::array();
  for (const LabelMatcher& m : s.matchers) {
    bool regex = m.op() == LabelMatcher::Op::kRegex || m.op() == LabelMatcher::Op::kNotRegex;
    bool equal = m.op() == LabelMatcher::Op::kEqual || m.op() == LabelMatcher::Op::kRegex;
    matchers.push_back({{"name", m.name()}, {"value", m.value()}, {"isRegex", regex}, {"isEqual", equal}});
  }
  return {{"id", s.id},
          {"matchers", matchers},
          {"startsAt", FormatRfc3339(s.starts_at)},
          {"endsAt", FormatRfc3339(s.ends_at)},
          {"createdBy", s.created_by},
          {"comment", s.comment},
          {"status", {{"state", SilenceStateName(s.StateAt(now))}}}};
}

Status SilenceEvent(ApiContext& ctx, const std::string& type, const Silence& s, const Principal& who) {
  Event e;
  e.type = type;
  e.subject = std::string(kSilenceKind) + "/" + s.id;
  e.actor = who.Actor();
  e.data_json = json{
      {"id", s.id},
      {"matchers", FormatMatchers(s.matchers)},
      {"startsAt", FormatRfc3339(s.starts_at)},
      {"endsAt", FormatRfc3339(s.ends_at)},
      {"createdBy", s.created_by},
      {"comment",
       s.comment}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return ctx.store.AppendEvent(e).status();
}

HttpResponse CreateSilence(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  WallTime now = ctx.clock.Now();
  auto silence = ParseSilenceBody(req.body, now);
  if (!silence.ok()) return ErrorResponse(silence.status());
  if (silence->ends_at <= now) return ErrorResponse(InvalidArgumentError("endsAt: must be in the future"));
  if (silence->created_by.empty()) silence->created_by = who.name;
  auto id = NewSilenceId();
  if (!id.ok()) return ErrorResponse(id.status());
  silence->id = *id;
  PutOptions po;
  po.expected_resource_version = 0;
  po.actor = who.Actor();
  auto stored = ctx.store.PutResource(SilenceToResource(*silence, now), po);
  if (!stored.ok()) return ErrorResponse(stored.status());
  Status ev = SilenceEvent(ctx, "alert.silence.created", *silence, who);
  if (!ev.ok()) return ErrorResponse(ev);
  json body = SilenceJson(*silence, now);
  body["silenceID"] = silence->id;
  HttpResponse r = JsonResponse(201, body);
  r.headers["Location"] = "/v1/silences/" + silence->id;
  return r;
}

HttpResponse ExpireSilence(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  const std::string id = req.path_params["id"];
  auto stored = ctx.store.GetResource(kSilenceKind, id);
  if (!stored.ok()) return ErrorResponse(stored.status());
  auto silence = SilenceFromResource(*stored);
  if (!silence.ok()) return ErrorResponse(silence.status());
  WallTime now = ctx.clock.Now();
  if (silence->StateAt(now) == Silence::State::kExpired) return JsonResponse(200, SilenceJson(*silence, now));
  // As Alertmanager: a pending silence ends before it began.
  WallTime end = std::chrono::floor<std::chrono::milliseconds>(now);
  if (silence->starts_at >= end) silence->starts_at = end - std::chrono::milliseconds(1);
  silence->ends_at = end;
  Resource update = SilenceToResource(*silence, now);
  PutOptions po;
  po.expected_resource_version = stored->resource_version;
  po.actor = who.Actor();
  auto put = ctx.store.PutResource(update, po);
  if (!put.ok()) return ErrorResponse(put.status());
  Status ev = SilenceEvent(ctx, "alert.silence.expired", *silence, who);
  if (!ev.ok()) return ErrorResponse(ev);
  return JsonResponse(200, SilenceJson(*silence, now));
}

}  // namespace

void RegisterAlertRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("GET", "/v1/alerts",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return ListAlerts(ctx, r); }));
  server.Route("POST", "/v1/silences", Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) {
                 return CreateSilence(ctx, r, p);
               }));
  server.Route("DELETE", "/v1/silences/{id}",
               Authorized(ctx, Role::kOperator,
                          [&ctx](HttpRequest& r, const Principal& p) { return ExpireSilence(ctx, r, p); }));
}

}  // namespace kelola
