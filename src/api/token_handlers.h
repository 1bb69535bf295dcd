// /v1/tokens: list, create (the secret is in the response once) and revoke.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterTokenRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
