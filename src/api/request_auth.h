// Authentication, authorization and the audit trail for one request.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/api_server.h"
#include "api/auth.h"
#include "net/http_message.h"

namespace kelola {

// A handler that runs only for an authenticated principal with at least
// `need`; otherwise answers 401/403. Mutating methods (POST, PUT, PATCH,
// DELETE) append an "audit.request" event with the outcome either way.
using AuthedHandler = std::function<HttpResponse(HttpRequest&, const Principal&)>;
std::function<HttpResponse(HttpRequest&)> Authorized(ApiContext& ctx, Role need, AuthedHandler handler);
// The same checks alone: nullopt when allowed, else the audited 401/403
// (for FileBodyOptions::admit, before an upload's body is read).
std::optional<HttpResponse> RefuseUnauthorized(ApiContext& ctx, const HttpRequest& req, Role need);

}  // namespace kelola
