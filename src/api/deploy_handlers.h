// The deploy routes (docs/deploys.md):
//
//   POST /v1/targets/{name}/deploy    {"image", "commit"?, "force"?, "trigger"?} → 202 + the new Release
//   POST /v1/targets/{name}/rollback  {"release"?, "trigger"?}                   → 202 + the rollback Release
//   GET  /v1/targets/{name}/releases  the target's releases, newest first ({"items": [...]})
//   POST /v1/releases/{name}/cancel   stop a Pending or RollingOut release     → 202 + the Release
//
// Bodies are strict (unknown fields are 400s naming the field); "trigger" is
// "api" (default) or "cli". An unknown target is 404; a commit (or image)
// whose earlier release was rolled back and marked bad is 409 naming that
// release unless "force"; a rollback with nothing to go back to is 422.
// Writes need an operator token and are audited (audit.request) besides the
// deploy.release.* events; reads need a viewer token. Releases themselves
// are server-managed: PUT/DELETE /v1/releases/{name} answer 405.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterDeployRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
