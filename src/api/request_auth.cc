#include "api/request_auth.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace kelola {
namespace {

bool IsMutating(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

void Audit(ApiContext& ctx, const HttpRequest& req, const std::string& actor, int status, const std::string& reason) {
  Event e;
  e.type = "audit.request";
  e.subject = req.path;
  e.actor = actor;
  nlohmann::json data = {
      {"method", req.method}, {"path", req.path}, {"status", status}, {"remote", req.remote_address}};
  if (!reason.empty()) data["reason"] = reason;
  e.data_json = data.dump();
  (void)ctx.store.AppendEvent(e);  // the request's own outcome stands even if the audit write fails
}

}  // namespace

namespace {

// The principal, or the (audited) 401/403 refusing the request.
Result<Principal> Authenticate(ApiContext& ctx, const HttpRequest& req, Role need, HttpResponse& refusal) {
  const bool mutating = IsMutating(req.method);
  auto principal = ctx.tokens->Authenticate(req.Header("Authorization"));
  if (!principal.ok()) {
    refusal = ErrorResponse(principal.status());
    if (mutating || principal.status().code() == StatusCode::kUnauthenticated) {
      Audit(ctx, req, "anonymous", refusal.status, principal.status().message());
    }
    return principal.status();
  }
  if (principal->role < need) {
    Status denied =
        PermissionDeniedError("token \"" + principal->name + "\" has role " + std::string(RoleName(principal->role)) +
                              "; this needs " + std::string(RoleName(need)));
    refusal = ErrorResponse(denied);
    Audit(ctx, req, principal->Actor(), refusal.status, denied.message());
    return denied;
  }
  return principal;
}

}  // namespace

std::optional<HttpResponse> RefuseUnauthorized(ApiContext& ctx, const HttpRequest& req, Role need) {
  HttpResponse refusal;
  if (Authenticate(ctx, req, need, refusal).ok()) return std::nullopt;
  return refusal;
}

std::function<HttpResponse(HttpRequest&)> Authorized(ApiContext& ctx, Role need, AuthedHandler handler) {
  return [&ctx, need, handler = std::move(handler)](HttpRequest& req) {
    const bool mutating = IsMutating(req.method);
    HttpResponse refusal;
    auto principal = Authenticate(ctx, req, need, refusal);
    if (!principal.ok()) return refusal;
    HttpResponse r = handler(req, *principal);
    if (mutating) Audit(ctx, req, principal->Actor(), r.status, "");
    return r;
  };
}

}  // namespace kelola
