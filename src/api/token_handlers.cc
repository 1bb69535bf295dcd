#include "api/token_handlers.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/api_object.h"
#include "api/request_auth.h"
#include "api/schema.h"

namespace kelola {
namespace {

using json = nlohmann::json;

json EncodeToken(const ApiToken& t) {
  json out = {{"id", t.id},
              {"name", t.name},
              {"role", t.role},
              {"createdAt", FormatRfc3339(t.created_at)},
              {"revoked", t.revoked}};
  if (t.expires_at) out["expiresAt"] = FormatRfc3339(*t.expires_at);
  return out;
}

const Schema& CreateTokenSchema() {
  static const Schema schema = [] {
    Schema role = Schema::String("role of the new token");
    role.enum_values = {"admin", "operator", "viewer"};
    Schema name = Schema::String("a label for people: who or what uses the token");
    name.max_length = 128;
    return Schema::Object("a token request",
                          {{"name", name},
                           {"role", role},
                           {"ttlSeconds", Schema::Integer("lifetime; 0 or absent = no expiry", 0, 10LL * 365 * 86400)}},
                          {"name", "role"});
  }();
  return schema;
}

HttpResponse Create(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  auto doc = ParseJsonBody(req.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  Status valid = ValidateAgainstSchema(CreateTokenSchema(), *doc, "");
  if (!valid.ok()) return ErrorResponse(valid);
  auto role = ParseRole((*doc)["role"].get<std::string>());
  if (!role.ok()) return ErrorResponse(role.status());
  auto issued = IssueToken(ctx.store, ctx.clock, (*doc)["name"].get<std::string>(), *role,
                           std::chrono::seconds(doc->value("ttlSeconds", int64_t{0})));
  if (!issued.ok()) return ErrorResponse(issued.status());
  Event e;
  e.type = "audit.token.created";
  e.subject = "token/" + issued->record.id;
  e.actor = who.Actor();
  e.data_json = json{{"name", issued->record.name}, {"role", issued->record.role}}.dump();
  (void)ctx.store.AppendEvent(e);
  json out = EncodeToken(issued->record);
  out["token"] = issued->plaintext;
  return JsonResponse(201, out);
}

HttpResponse List(ApiContext& ctx) {
  auto tokens = ctx.store.ListTokens();
  if (!tokens.ok()) return ErrorResponse(tokens.status());
  json items = json::array();
  for (const auto& t : *tokens) items.push_back(EncodeToken(t));
  return JsonResponse(200, json{{"items", items}});
}

HttpResponse Revoke(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  const std::string& id = req.path_params.at("id");
  Status s = ctx.store.RevokeToken(id);
  if (!s.ok()) {
    if (s.code() == StatusCode::kNotFound) return ErrorResponse(NotFoundError("token \"" + id + "\" not found"));
    return ErrorResponse(s);
  }
  Event e;
  e.type = "audit.token.revoked";
  e.subject = "token/" + id;
  e.actor = who.Actor();
  (void)ctx.store.AppendEvent(e);
  return JsonResponse(200, json{{"revoked", id}});
}

}  // namespace

void RegisterTokenRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("GET", "/v1/tokens",
               Authorized(ctx, Role::kAdmin, [&ctx](HttpRequest&, const Principal&) { return List(ctx); }));
  server.Route("POST", "/v1/tokens",
               Authorized(ctx, Role::kAdmin, [&ctx](HttpRequest& r, const Principal& p) { return Create(ctx, r, p); }));
  server.Route("DELETE", "/v1/tokens/{id}",
               Authorized(ctx, Role::kAdmin, [&ctx](HttpRequest& r, const Principal& p) { return Revoke(ctx, r, p); }));
}

}  // namespace kelola
