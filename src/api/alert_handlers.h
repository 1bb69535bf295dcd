// The alert lifecycle's endpoints (docs/alerts.md, docs/api.md):
//   GET    /v1/alerts              the alerts, newest state from the store;
//                                  ?state=pending|firing|resolved,
//                                  ?filter={service="api",severity=~"crit.*"}
//                                  (Alertmanager matchers), ?silenced=false,
//                                  ?inhibited=false (viewer)
//   POST   /v1/silences            create a silence; Alertmanager's v2 body
//                                  (operator); 201 {"silenceID": ...}
//   DELETE /v1/silences/{id}       expire it (endsAt = now); it stays listed
// GET /v1/silences[/{id}] and /v1/alerts/{fingerprint} are the generic
// resource reads (Silence and Alert are server-managed kinds).
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterAlertRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
