// ApiServer: REST v1 on top of HttpServer. Owns no threads; it registers
// handlers that authenticate, authorize, validate and call the Store.
//
//   GET    /healthz /readyz /metrics /v1/version /v1/openapi.json   (no token)
//   GET    /v1/{plural}            list (labelSelector, limit, continue)
//   GET    /v1/{plural}/{name}     read
//   PUT    /v1/{plural}/{name}     create or update (resourceVersion precondition)
//   DELETE /v1/{plural}/{name}     delete (?resourceVersion= precondition)
//   GET    /v1/events              list (?after=&type=&subject=&limit=), ?follow=1 for SSE
//   GET/POST /v1/tokens, DELETE /v1/tokens/{id}                   (admin)
//   PUT/GET/DELETE /v1/files/sha256:<hex>                         content for copies (operator)
//   GET    /v1/leaders             leases: which replica leads each controller
//   POST   /v1/hooks/github|gitlab forge webhooks (signature, not token; hook_handlers.h)
//   GET    /v1/runs[/{id}], POST /v1/runs/{id}/cancel|retry  (run_handlers.h)
//   POST   /v1/server-groups, PUT|DELETE /v1/server-groups/{name},
//          POST /v1/server-groups/{name}/plan   (server_group_handlers.h)
//   POST   /v1/targets/{name}/deploy|rollback, GET /v1/targets/{name}/releases,
//          POST /v1/releases/{name}/cancel      (deploy_handlers.h)
//
// Every mutating request, allowed or not, is appended to the event log as an
// audit event. docs/api.md is the user-facing description.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "api/auth.h"
#include "api/fleet_quota.h"
#include "api/kinds.h"
#include "api/read_cache.h"
#include "api/secret_sealer.h"
#include "base/clock.h"
#include "net/http_server.h"
#include "store/store.h"

namespace kelola {

class ExecutionService;
class FleetProviderRegistry;

struct ApiContext {
  Store& store;
  Clock& clock;
  const KindRegistry& kinds;
  const SecretSealer& secrets;
  std::string version;
  std::function<std::string()> render_metrics;  // Prometheus text for /metrics
  std::function<bool()> ready;                  // for /readyz
  std::atomic<bool>* shutting_down = nullptr;   // ends event streams on shutdown
  ExecutionService* executions = nullptr;       // POST /v1/executions; null = not offered
  std::string files_dir;                        // /v1/files (file_handlers.h); "" = not offered
  uint64_t max_file_bytes = 1ull << 30;         // largest PUT /v1/files body
  // ServerGroup writes (server_group_handlers.h): the per-team quota, and
  // the providers whose Validate() checks a group; null = schema and spec
  // checks only.
  FleetQuota fleet_quota;
  const FleetProviderRegistry* fleet_providers = nullptr;
  // Created by RegisterApiRoutes: the hot path's caches (auth.h, read_cache.h).
  std::unique_ptr<TokenVerifier> tokens;
  std::unique_ptr<ResourceReadCache> read_cache;
};

// Registers every route on `server`. `ctx` must outlive the server.
void RegisterApiRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
