// GET /v1/leaders: who leads what. One item per Store lease (each
// controller campaigns for "controller/NAME" on every server replica), with
// its holder, fencing token and times; `leading` is false for a released or
// expired lease (no replica leads it right now). Viewer role.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterLeaderRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
