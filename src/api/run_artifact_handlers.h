// GET /v1/runs/{id}/artifact?path=P: one file a step's `artifacts:` kept
// with the run (docs/api.md "Run output"); the run's `artifacts` list says
// which exist, with size and sha256.
#pragma once

#include <string>

#include "api/api_server.h"

namespace kelola {

void RegisterRunArtifactRoutes(HttpServer& server, ApiContext& ctx, std::string artifacts_dir);

}  // namespace kelola
