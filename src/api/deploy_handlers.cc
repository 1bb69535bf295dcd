#include "api/deploy_handlers.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/api_object.h"
#include "api/request_auth.h"
#include "deploy/release_requests.h"

namespace kelola {
namespace {

using json = nlohmann::json;

const KindInfo& ReleaseKindInfo(ApiContext& ctx) { return *ctx.kinds.FindByPlural("releases"); }

// Reads a strict request body: an object with only `known` keys (an empty body is {}).
Result<json> Body(const std::string& body, std::initializer_list<const char*> known) {
  if (body.empty()) return json::object();
  KELOLA_ASSIGN_OR_RETURN(json doc, ParseJsonBody(body));
  if (!doc.is_object()) return InvalidArgumentError("the body must be a JSON object");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    bool found = false;
    for (const char* k : known) found = found || it.key() == k;
    if (!found) return InvalidArgumentError(it.key() + ": unknown field");
  }
  return doc;
}

Result<std::string> Text(const json& doc, const char* key) {
  if (!doc.contains(key) || doc.at(key).is_null()) return std::string();
  if (!doc.at(key).is_string()) return InvalidArgumentError(std::string(key) + " must be a string");
  return doc.at(key).get<std::string>();
}

Result<ReleaseTrigger> Trigger(const json& doc, const Principal& who) {
  KELOLA_ASSIGN_OR_RETURN(std::string kind, Text(doc, "trigger"));
  if (kind.empty()) kind = "api";
  if (kind != "api" && kind != "cli") return InvalidArgumentError("trigger: \"" + kind + "\" is not api or cli");
  return ReleaseTrigger{kind, who.Actor(), ""};
}

HttpResponse Accepted(ApiContext& ctx, const StoredRelease& r) {
  HttpResponse resp = JsonResponse(202, EncodeResource(r.resource, ReleaseKindInfo(ctx)));
  resp.headers["Location"] = "/v1/releases/" + r.spec.name;
  return resp;
}

HttpResponse Deploy(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  auto doc = Body(req.body, {"image", "commit", "force", "trigger"});
  if (!doc.ok()) return ErrorResponse(doc.status());
  DeployRequest d;
  d.target = req.path_params.at("name");
  auto image = Text(*doc, "image");
  if (!image.ok()) return ErrorResponse(image.status());
  d.image = *image;
  auto commit = Text(*doc, "commit");
  if (!commit.ok()) return ErrorResponse(commit.status());
  d.commit = *commit;
  if (doc->contains("force") && !(*doc)["force"].is_null()) {
    if (!(*doc)["force"].is_boolean()) return ErrorResponse(InvalidArgumentError("force must be true or false"));
    d.force = (*doc)["force"].get<bool>();
  }
  auto trigger = Trigger(*doc, who);
  if (!trigger.ok()) return ErrorResponse(trigger.status());
  d.trigger = *trigger;
  auto r = RequestDeploy(ctx.store, d, who.Actor());
  if (!r.ok()) return ErrorResponse(r.status());
  return Accepted(ctx, *r);
}

HttpResponse Rollback(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  auto doc = Body(req.body, {"release", "trigger"});
  if (!doc.ok()) return ErrorResponse(doc.status());
  RollbackRequest rb;
  rb.target = req.path_params.at("name");
  auto release = Text(*doc, "release");
  if (!release.ok()) return ErrorResponse(release.status());
  rb.release = *release;
  auto trigger = Trigger(*doc, who);
  if (!trigger.ok()) return ErrorResponse(trigger.status());
  rb.trigger = *trigger;
  auto r = RequestRollback(ctx.store, rb, who.Actor());
  if (!r.ok()) return ErrorResponse(r.status());
  return Accepted(ctx, *r);
}

HttpResponse Releases(ApiContext& ctx, HttpRequest& req) {
  const std::string target = req.path_params.at("name");
  auto t = ctx.store.GetResource(kTargetKind, target);
  if (!t.ok()) {
    if (t.status().code() == StatusCode::kNotFound) {
      return ErrorResponse(NotFoundError("target \"" + target + "\" not found"));
    }
    return ErrorResponse(t.status());
  }
  auto releases = ListTargetReleases(ctx.store, target);
  if (!releases.ok()) return ErrorResponse(releases.status());
  json items = json::array();
  for (const StoredRelease& r : *releases) items.push_back(EncodeResource(r.resource, ReleaseKindInfo(ctx)));
  return JsonResponse(200, {{"items", std::move(items)}});
}

HttpResponse Cancel(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  auto r = RequestCancel(ctx.store, req.path_params.at("name"), who.Actor());
  if (!r.ok()) return ErrorResponse(r.status());
  return Accepted(ctx, *r);
}

}  // namespace

void RegisterDeployRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route(
      "POST", "/v1/targets/{name}/deploy",
      Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) { return Deploy(ctx, r, p); }));
  server.Route(
      "POST", "/v1/targets/{name}/rollback",
      Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) { return Rollback(ctx, r, p); }));
  server.Route("GET", "/v1/targets/{name}/releases",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return Releases(ctx, r); }));
  server.Route(
      "POST", "/v1/releases/{name}/cancel",
      Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) { return Cancel(ctx, r, p); }));
}

}  // namespace kelola
