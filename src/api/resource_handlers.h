// Handlers for /v1/{plural} and /v1/{plural}/{name}.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterResourceRoutes(HttpServer& server, ApiContext& ctx);

// The generic PUT /v1/{plural}/{name} (req.path_params "plural" and "name"),
// for kind-specific routes that check more and then store as usual.
HttpResponse PutResourceRequest(ApiContext& ctx, HttpRequest& req, const Principal& who);

}  // namespace kelola
