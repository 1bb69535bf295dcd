// Handlers for /v1/{plural} and /v1/{plural}/{name}.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterResourceRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
