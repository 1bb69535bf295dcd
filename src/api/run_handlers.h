// Pipeline runs over REST:
//   GET  /v1/runs                 newest first (?pipeline=&status=&limit=&before=SEQ)
//   GET  /v1/runs/{id}
//   POST /v1/runs/{id}/cancel     queued -> cancelled; running -> cancelRequested
//   POST /v1/runs/{id}/retry      a new queued run of the same commit (201)
// Reads need a viewer token, cancel and retry an operator. The shape of a
// run is in docs/pipelines.md.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterRunRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
