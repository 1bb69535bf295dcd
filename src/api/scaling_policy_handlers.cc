#include "api/scaling_policy_handlers.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/api_object.h"
#include "api/request_auth.h"
#include "api/resource_handlers.h"
#include "autoscale/host_metric_names.h"
#include "scale/scaling_policy.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr const char* kPlural = "scaling-policies";

// The checks that need the store, after the decoder's.
Status CheckAgainstStore(ApiContext& ctx, const ScalingPolicySpec& spec) {
  auto group = ctx.store.GetResource("ServerGroup", spec.group);
  if (!group.ok()) {
    if (group.status().code() == StatusCode::kNotFound) {
      return InvalidArgumentError("spec.group: server group \"" + spec.group +
                                  "\" not found; create the ServerGroup first");
    }
    return group.status();
  }
  if (!spec.metric().empty() && !IsHostMetricName(spec.metric())) {
    const std::string field = spec.target_tracking ? "spec.targetTracking.metric" : "spec.stepScaling.metric";
    return InvalidArgumentError(field + ": unknown metric \"" + spec.metric() +
                                "\"; the metrics store has: " + HostMetricNameList());
  }
  return OkStatus();
}

HttpResponse Put(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  const KindInfo* kind = ctx.kinds.FindByPlural(kPlural);
  auto doc = ParseJsonBody(req.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  auto obj = DecodeApiObject(*doc, *kind, req.path_params.at("name"));
  if (!obj.ok()) return ErrorResponse(obj.status());
  auto spec = DecodeScalingPolicySpec(obj->name, obj->spec.dump());
  if (!spec.ok()) return ErrorResponse(InvalidArgumentError(spec.status().message()));
  if (Status s = CheckAgainstStore(ctx, *spec); !s.ok()) return ErrorResponse(s);
  req.path_params["plural"] = kPlural;
  return PutResourceRequest(ctx, req, who);
}

HttpResponse Scaling(ApiContext& ctx, HttpRequest& req) {
  const std::string name = req.path_params.at("name");
  auto group = ctx.store.GetResource("ServerGroup", name);
  if (!group.ok()) {
    if (group.status().code() == StatusCode::kNotFound) {
      return ErrorResponse(NotFoundError("server group \"" + name + "\" not found"));
    }
    return ErrorResponse(group.status());
  }
  json group_spec = json::parse(group->spec_json, nullptr, false);
  json body = {{"group", name},
               {"count", group_spec.is_object() ? group_spec.value("count", 1) : 1},
               {"policies", json::array()},
               {"lastDecision", nullptr}};
  std::string newest;
  ListOptions o;
  o.kind = "ScalingPolicy";
  o.limit = 500;
  while (true) {
    auto page = ctx.store.ListResources(o);
    if (!page.ok()) return ErrorResponse(page.status());
    for (const Resource& r : page->items) {
      json spec = json::parse(r.spec_json, nullptr, false);
      if (!spec.is_object() || spec.value("group", "") != name) continue;
      json status = json::parse(r.status_json, nullptr, false);
      if (!status.is_object()) status = json::object();
      json p = {{"name", r.name},
                {"dryRun", spec.value("dryRun", false)},
                {"lastEvaluation", status.value("lastEvaluation", "")}};
      auto decoded = DecodeScalingPolicySpec(r.name, r.spec_json);
      if (!decoded.ok()) p["invalid"] = decoded.status().message();
      body["policies"].push_back(std::move(p));
      const std::string at = status.value("lastEvaluation", "");
      if (status.contains("lastDecision") && at > newest) {  // RFC 3339 in UTC with fixed digits: sorts as text
        newest = at;
        body["lastDecision"] = status["lastDecision"];
      }
    }
    if (page->next_after.empty()) break;
    o.after_name = page->next_after;
  }
  return JsonResponse(200, body);
}

}  // namespace

void RegisterScalingPolicyRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("PUT", "/v1/scaling-policies/{name}",
               Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) { return Put(ctx, r, p); }));
  server.Route("GET", "/v1/server-groups/{name}/scaling",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return Scaling(ctx, r); }));
}

}  // namespace kelola
