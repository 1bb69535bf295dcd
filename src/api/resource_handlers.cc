#include "api/resource_handlers.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/api_object.h"
#include "api/request_auth.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr int kDefaultPageSize = 500;
constexpr int kMaxPageSize = 1000;

Result<const KindInfo*> KindFromPath(ApiContext& ctx, const HttpRequest& req) {
  const std::string& plural = req.path_params.at("plural");
  const KindInfo* kind = ctx.kinds.FindByPlural(plural);
  if (!kind) {
    return NotFoundError("unknown resource type \"" + plural + "\" (known: " + ctx.kinds.KnownPlurals() + ")");
  }
  return kind;
}

Result<int> ParseLimit(const std::string& text) {
  if (text.empty()) return kDefaultPageSize;
  int n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 1 || n > kMaxPageSize) {
    return InvalidArgumentError("query parameter limit: expected an integer from 1 to " + std::to_string(kMaxPageSize) +
                                ", got \"" + text + "\"");
  }
  return n;
}

Result<std::optional<int64_t>> ParseVersionParam(const std::string& text) {
  if (text.empty()) return std::optional<int64_t>();
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 0) {
    return InvalidArgumentError("query parameter resourceVersion: expected a non-negative integer, got \"" + text +
                                "\"");
  }
  return std::optional<int64_t>(n);
}

std::string Describe(const KindInfo& kind, const std::string& name) { return kind.singular + " \"" + name + "\""; }

Status Explain(const Status& s, const KindInfo& kind, const std::string& name) {
  switch (s.code()) {
    case StatusCode::kNotFound: return NotFoundError(Describe(kind, name) + " not found");
    case StatusCode::kAborted:
      return AbortedError(Describe(kind, name) + " was modified concurrently (" + s.message() +
                          "); read it again and retry");
    case StatusCode::kAlreadyExists: return AlreadyExistsError(Describe(kind, name) + " already exists");
    default: return s;
  }
}

HttpResponse List(ApiContext& ctx, HttpRequest& req) {
  auto kind = KindFromPath(ctx, req);
  if (!kind.ok()) return ErrorResponse(kind.status());
  ListOptions opts;
  opts.kind = (*kind)->kind;
  if (auto sel = req.Query("labelSelector"); !sel.empty()) {
    auto parsed = ParseLabelSelector(sel);
    if (!parsed.ok()) return ErrorResponse(parsed.status().WithContext("query parameter labelSelector"));
    opts.selector = std::move(*parsed);
  }
  auto limit = ParseLimit(req.Query("limit"));
  if (!limit.ok()) return ErrorResponse(limit.status());
  opts.limit = *limit;
  opts.after_name = req.Query("continue");
  auto result = ctx.store.ListResources(opts);
  if (!result.ok()) return ErrorResponse(result.status());
  json items = json::array();
  for (const auto& r : result->items) items.push_back(EncodeResource(r, **kind));
  json meta = json::object();
  if (!result->next_after.empty()) meta["continue"] = result->next_after;
  return JsonResponse(
      200, json{{"apiVersion", kApiVersion}, {"kind", (*kind)->kind + "List"}, {"metadata", meta}, {"items", items}});
}

HttpResponse Get(ApiContext& ctx, HttpRequest& req) {
  auto kind = KindFromPath(ctx, req);
  if (!kind.ok()) return ErrorResponse(kind.status());
  const std::string& name = req.path_params.at("name");
  auto body = ctx.read_cache->Get(**kind, name);
  if (!body.ok()) return ErrorResponse(Explain(body.status(), **kind, name));
  return HttpResponse::Json(200, **body);
}

HttpResponse ServerManaged(const KindInfo& kind) {
  return HttpResponse::Error(405, "METHOD_NOT_ALLOWED",
                             kind.plural + " are created and updated by the server only (see docs/api.md)");
}

HttpResponse Put(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  auto kind = KindFromPath(ctx, req);
  if (!kind.ok()) return ErrorResponse(kind.status());
  if ((*kind)->server_managed) return ServerManaged(**kind);
  const std::string& name = req.path_params.at("name");
  auto doc = ParseJsonBody(req.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  auto obj = DecodeApiObject(*doc, **kind, name);
  if (!obj.ok()) return ErrorResponse(obj.status());

  Resource r;
  r.kind = (*kind)->kind;
  r.name = obj->name;
  r.labels = obj->labels;
  if ((*kind)->is_secret) {
    auto spec =
        ctx.secrets.SealSpec(obj->name, obj->spec.value("type", "opaque"), obj->spec.value("value", std::string()));
    if (!spec.ok()) return ErrorResponse(spec.status());
    r.spec_json = *spec;
  } else {
    r.spec_json = obj->spec.dump();
  }
  // Keep the controller-owned status across spec updates.
  auto existing = ctx.store.GetResource(r.kind, r.name);
  if (existing.ok()) {
    r.status_json = existing->status_json;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return ErrorResponse(existing.status());
  }
  PutOptions opts;
  opts.actor = who.Actor();
  opts.expected_resource_version = obj->resource_version;
  if (!opts.expected_resource_version && existing.ok()) {
    // Without a precondition the write still must not race the read above
    // (it would drop a status written in between).
    opts.expected_resource_version = existing->resource_version;
  }
  auto stored = ctx.store.PutResource(r, opts);
  if (!stored.ok()) return ErrorResponse(Explain(stored.status(), **kind, name));
  return JsonResponse(existing.ok() ? 200 : 201, EncodeResource(*stored, **kind));
}

HttpResponse Delete(ApiContext& ctx, HttpRequest& req, const Principal& who) {
  auto kind = KindFromPath(ctx, req);
  if (!kind.ok()) return ErrorResponse(kind.status());
  if ((*kind)->server_managed) return ServerManaged(**kind);
  const std::string& name = req.path_params.at("name");
  auto version = ParseVersionParam(req.Query("resourceVersion"));
  if (!version.ok()) return ErrorResponse(version.status());
  Status s = ctx.store.DeleteResource((*kind)->kind, name, *version, who.Actor());
  if (!s.ok()) return ErrorResponse(Explain(s, **kind, name));
  return JsonResponse(200, json{{"deleted", {{"kind", (*kind)->kind}, {"name", name}}}});
}

}  // namespace

HttpResponse PutResourceRequest(ApiContext& ctx, HttpRequest& req, const Principal& who) { return Put(ctx, req, who); }

void RegisterResourceRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("GET", "/v1/{plural}",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return List(ctx, r); }));
  server.Route("GET", "/v1/{plural}/{name}",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest& r, const Principal&) { return Get(ctx, r); }));
  server.Route("PUT", "/v1/{plural}/{name}",
               Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) { return Put(ctx, r, p); }));
  server.Route(
      "DELETE", "/v1/{plural}/{name}",
      Authorized(ctx, Role::kOperator, [&ctx](HttpRequest& r, const Principal& p) { return Delete(ctx, r, p); }));
}

}  // namespace kelola
