#include "api/server_group_handlers.h"

#include <charconv>
#include <mutex>

#include <nlohmann/json.hpp>

#include "alerting/alert_records.h"
#include "api/api_error.h"
#include "api/api_object.h"
#include "api/request_auth.h"
#include "fleet/fleet_host.h"
#include "fleet/group_planner.h"
#include "fleet/provider.h"
#include "fleet/server_group.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr const char* kKind = "ServerGroup";

// Serializes this replica's ServerGroup writes, so two requests cannot both
// pass the quota with the room for one. (Replicas sharing PostgreSQL can
// still race; the quota is a guard rail, not a bill.)
std::mutex& WriteMutex() {
  static std::mutex mu;
  return mu;
}

const KindInfo& GroupKind(ApiContext& ctx) { return *ctx.kinds.FindByPlural("server-groups"); }

std::string Subject(const std::string& name) { return std::string(kKind) + "/" + name; }

bool IsDeleting(const Resource& group) {
  auto it = group.labels.find(kServerGroupDeletingLabel);
  return it != group.labels.end() && it->second == "true";
}

Status AppendEvent(ApiContext& ctx, const std::string& type, const std::string& name, const Principal& who,
                   const json& data) {
  Event e;
  e.type = type;
  e.subject = Subject(name);
  e.actor = who.Actor();
  e.data_json = data.dump(-1, ' ', false, json::error_handler_t::replace);
  return ctx.store.AppendEvent(e).status();
}

// The stored groups as the quota sees them (spec.team and spec.count, with
// the decoder's defaults for documents written before they were filled).
Result<std::vector<GroupUsage>> StoredUsage(ApiContext& ctx) {
  KELOLA_ASSIGN_OR_RETURN(std::vector<Resource> groups, ListAllResources(ctx.store, kKind));
  std::vector<GroupUsage> out;
  for (const Resource& g : groups) {
    json spec = json::parse(g.spec_json, nullptr, false);
    GroupUsage u{g.name, "default", 1};
    if (spec.is_object()) {
      if (spec.contains("team") && spec["team"].is_string()) u.team = spec["team"].get<std::string>();
      if (spec.contains("count") && spec["count"].is_number_integer()) u.count = spec["count"].get<int64_t>();
    }
    out.push_back(std::move(u));
  }
  return out;
}

json QuotaJson(const QuotaDecision& d) {
  return {
      {"team", d.team}, {"limit", d.limit}, {"inUse", d.in_use}, {"requested", d.requested}, {"allowed", d.allowed}};
}

// A request body decoded as a ServerGroup: the API object (schema checked,
// defaults applied) and the fleet's reading of its spec.
struct Candidate {
  ApiObject object;
  ServerGroupSpec spec;
};

Result<Candidate> DecodeCandidate(ApiContext& ctx, const std::string& body, const std::string& path_name) {
  KELOLA_ASSIGN_OR_RETURN(json doc, ParseJsonBody(body));
  KELOLA_ASSIGN_OR_RETURN(ApiObject obj, DecodeApiObject(doc, GroupKind(ctx), path_name));
  if (obj.labels.count(kServerGroupDeletingLabel)) {
    return InvalidArgumentError(std::string("metadata.labels.") + kServerGroupDeletingLabel +
                                ": set by DELETE /v1/server-groups/{name} only");
  }
  auto spec = DecodeServerGroupSpec(obj.name, obj.spec.dump());
  if (!spec.ok()) return InvalidArgumentError(spec.status().message());
  if (ctx.fleet_providers) {
    auto provider = ctx.fleet_providers->Get(spec->provider);
    if (!provider.ok()) return InvalidArgumentError("spec.provider: " + provider.status().message());
    Status valid = (*provider)->Validate(*spec);
    if (!valid.ok()) return InvalidArgumentError(valid.message());
  }
  return Candidate{std::move(obj), std::move(*spec)};
}

HttpResponse Write(ApiContext& ctx, HttpRequest& req, const Principal& who, bool create_only) {
  const std::string path_name = create_only ? "" : req.path_params.at("name");
  auto candidate = DecodeCandidate(ctx, req.body, path_name);
  if (!candidate.ok()) {
    // Refused specs leave a trace, as a refused quota does: who asked for what and why not.
    (void)AppendEvent(ctx, "audit.fleet.group-rejected", path_name.empty() ? "(unnamed)" : path_name, who,
                      {{"reason", candidate.status().message()}});
    return ErrorResponse(candidate.status());
  }
  const ApiObject& obj = candidate->object;
  const std::string describe = "server group \"" + obj.name + "\"";

  std::lock_guard<std::mutex> lock(WriteMutex());
  auto existing = ctx.store.GetResource(kKind, obj.name);
  if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) return ErrorResponse(existing.status());
  if (existing.ok() && create_only) return ErrorResponse(AlreadyExistsError(describe + " already exists"));
  if (existing.ok() && IsDeleting(*existing)) {
    return ErrorResponse(AbortedError(describe + " is being destroyed; apply it again once it is gone"));
  }

  auto usage = StoredUsage(ctx);
  if (!usage.ok()) return ErrorResponse(usage.status());
  const QuotaDecision quota =
      DecideQuota(ctx.fleet_quota, *usage, obj.name, candidate->spec.team, candidate->spec.count);
  if (!quota.allowed) {
    Status refusal = PermissionDeniedError(DescribeQuotaRefusal(quota, obj.name, candidate->spec.count));
    json data = QuotaJson(quota);
    data["group"] = obj.name;
    data["count"] = candidate->spec.count;
    data["reason"] = refusal.message();
    (void)AppendEvent(ctx, "audit.fleet.quota-exceeded", obj.name, who, data);  // the refusal stands regardless
    return ErrorResponse(refusal, {{"reason", "QUOTA_EXCEEDED"}, {"quota", QuotaJson(quota)}});
  }

  Resource r;
  r.kind = kKind;
  r.name = obj.name;
  r.labels = obj.labels;
  r.spec_json = obj.spec.dump();
  if (existing.ok()) r.status_json = existing->status_json;  // the controller's
  PutOptions opts;
  opts.actor = who.Actor();
  opts.expected_resource_version = obj.resource_version;
  if (!opts.expected_resource_version) opts.expected_resource_version = existing.ok() ? existing->resource_version : 0;
  auto stored = ctx.store.PutResource(r, opts);
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kAborted) {
      return ErrorResponse(AbortedError(describe + " was modified concurrently (" + stored.status().message() +
                                        "); read it again and retry"));
    }
    return ErrorResponse(stored.status());
  }
  HttpResponse resp = JsonResponse(existing.ok() ? 200 : 201, EncodeResource(*stored, GroupKind(ctx)));
  if (!existing.ok()) resp.headers["Location"] = "/v1/server-groups/" + obj.name;
  return resp;
}

Result<std::vector<Resource>> GroupHosts(ApiContext& ctx, const std::string& group) {
  std::vector<Resource> out;
  ListOptions options;
  options.kind = "Host";
  options.selector = {LabelRequirement{kFleetGroupLabel, LabelRequirement::Op::kEquals, {group}}};
  options.limit = 500;
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(ListResult page, ctx.store.ListResources(options));
    for (auto& h : page.items) out.push_back(std::move(h));
    if (page.next_after.empty()) break;
    options.after_name = page.next_after;
  }
  return out;
}

HttpResponse Destroy(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  const std::string name = req.path_params.at("name");
  std::optional<int64_t> expected;
  if (std::string v = req.Query("resourceVersion"); !v.empty()) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < 0) {
      return ErrorResponse(InvalidArgumentError("query parameter resourceVersion: expected a non-negative integer"));
    }
    expected = n;
  }
  std::lock_guard<std::mutex> lock(WriteMutex());
  auto group = ctx.store.GetResource(kKind, name);
  if (!group.ok()) {
    if (group.status().code() == StatusCode::kNotFound) {
      return ErrorResponse(NotFoundError("server group \"" + name + "\" not found"));
    }
    return ErrorResponse(group.status());
  }
  if (expected && *expected != group->resource_version) {
    return ErrorResponse(AbortedError("server group \"" + name + "\" has resourceVersion " +
                                      std::to_string(group->resource_version) + ", not " + std::to_string(*expected)));
  }
  if (IsDeleting(*group)) return JsonResponse(202, EncodeResource(*group, GroupKind(ctx)));  // asked before
  Resource r = *group;
  r.labels[kServerGroupDeletingLabel] = "true";
  PutOptions opts;
  opts.actor = who.Actor();
  opts.expected_resource_version = group->resource_version;
  auto stored = ctx.store.PutResource(r, opts);
  if (!stored.ok()) return ErrorResponse(stored.status());
  auto hosts = GroupHosts(ctx, name);
  json data = {{"group", name}, {"hosts", hosts.ok() ? static_cast<int64_t>(hosts->size()) : -1}};
  Status ev = AppendEvent(ctx, "fleet.group.destroy-requested", name, who, data);
  if (!ev.ok()) return ErrorResponse(ev);
  return JsonResponse(202, EncodeResource(*stored, GroupKind(ctx)));
}

HttpResponse Plan(ApiContext& ctx, HttpRequest& req) {
  const std::string name = req.path_params.at("name");
  auto stored = ctx.store.GetResource(kKind, name);
  if (!stored.ok() && stored.status().code() != StatusCode::kNotFound) return ErrorResponse(stored.status());
  ServerGroupSpec spec;
  if (req.body.empty()) {
    if (!stored.ok()) return ErrorResponse(NotFoundError("server group \"" + name + "\" not found (send a candidate)"));
    auto decoded = DecodeServerGroupSpec(name, stored->spec_json);
    if (!decoded.ok()) return ErrorResponse(decoded.status());
    spec = std::move(*decoded);
  } else {
    auto candidate = DecodeCandidate(ctx, req.body, name);
    if (!candidate.ok()) return ErrorResponse(candidate.status());
    spec = std::move(candidate->spec);
  }
  auto hosts = GroupHosts(ctx, name);
  if (!hosts.ok()) return ErrorResponse(hosts.status());
  auto usage = StoredUsage(ctx);
  if (!usage.ok()) return ErrorResponse(usage.status());

  PlanInput input;
  input.spec = spec;
  input.hosts = FleetHostViews(*hosts);
  input.destroying = stored.ok() && IsDeleting(*stored);
  input.now = ctx.clock.Now();
  if (stored.ok()) ReadGroupStatusIntoPlan(stored->status_json, input);
  const GroupPlan plan = PlanGroup(input);
  const QuotaDecision quota = DecideQuota(ctx.fleet_quota, *usage, name, spec.team, spec.count);
  json body = {{"group", name},
               {"plan", json::parse(EncodePlanJson(plan))},
               {"text", RenderPlan(name, plan)},
               {"quota", QuotaJson(quota)},
               {"exists", stored.ok()}};
  if (!quota.allowed) body["warnings"] = json::array({DescribeQuotaRefusal(quota, name, spec.count)});
  return JsonResponse(200, body);
}

}  // namespace

void RegisterServerGroupRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("POST", "/v1/server-groups",
               Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) {
                 return Write(ctx, r, p, /*create_only=*/true);
               }));
  server.Route("PUT", "/v1/server-groups/{name}",
               Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) {
                 return Write(ctx, r, p, /*create_only=*/false);
               }));
  server.Route(
      "DELETE", "/v1/server-groups/{name}",
      Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) { return Destroy(ctx, r, p); }));
  server.Route("POST", "/v1/server-groups/{name}/plan",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return Plan(ctx, r); }));
}

}  // namespace kelola
