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

std::function<HttpResponse(HttpRequest&)> Authorized(ApiContext& ctx, Role need, AuthedHandler handler) {
  return [&ctx, need, handler = std::move(handler)](HttpRequest& req) {
    const bool mutating = IsMutating(req.method);
    auto principal = ctx.tokens->Authenticate(req.Header("Authorization"));
    if (!principal.ok()) {
      HttpResponse r = ErrorResponse(principal.status());
      if (mutating || principal.status().code() == StatusCode::kUnauthenticated) {
        Audit(ctx, req, "anonymous", r.status, principal.status().message());
      }
      return r;
    }
    if (principal->role < need) {
      Status denied =
          PermissionDeniedError("token \"" + principal->name + "\" has role " + std::string(RoleName(principal->role)) +
                                "; this needs " + std::string(RoleName(need)));
      HttpResponse r = ErrorResponse(denied);
      Audit(ctx, req, principal->Actor(), r.status, denied.message());
      return r;
    }
    HttpResponse r = handler(req, *principal);
    if (mutating) Audit(ctx, req, principal->Actor(), r.status, "");
    return r;
  };
}

}  // namespace kelola
