// GET /v1/events: the event log as JSON, or with ?follow=1 as server-sent
// events that first replay everything after `after` (or Last-Event-ID) and
// then stream new events as they are appended.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterEventRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
