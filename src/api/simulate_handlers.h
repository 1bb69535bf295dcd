// POST /v1/scale/simulate (viewer): the autoscaling what-if simulator of
// `kelola scale simulate` over HTTP, for the dashboard's simulator page.
// Body and answer: simulate_request.h, docs/dashboard.md. Pure computation,
// nothing stored; bounded by the request limits in simulate_request.h.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterSimulateRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
