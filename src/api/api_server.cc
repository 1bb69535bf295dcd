#include "api/api_server.h"

#include <nlohmann/json.hpp>

#include "api/alert_handlers.h"
#include "api/api_error.h"
#include "api/deploy_handlers.h"
#include "api/event_handlers.h"
#include "api/execution_handlers.h"
#include "api/file_handlers.h"
#include "api/hook_handlers.h"
#include "api/leader_handlers.h"
#include "api/openapi.h"
#include "api/resource_handlers.h"
#include "api/run_handlers.h"
#include "api/scaling_policy_handlers.h"
#include "api/server_group_handlers.h"
#include "api/simulate_handlers.h"
#include "api/token_handlers.h"

namespace kelola {

void RegisterApiRoutes(HttpServer& server, ApiContext& ctx) {
  ctx.tokens = std::make_unique<TokenVerifier>(ctx.store, ctx.clock);
  ctx.read_cache = std::make_unique<ResourceReadCache>(ctx.store);
  server.Route("GET", "/healthz", [](HttpRequest&) { return JsonResponse(200, {{"status", "ok"}}); });
  server.Route("GET", "/readyz", [&ctx](HttpRequest&) {
    bool ready = !ctx.ready || ctx.ready();
    if (ctx.shutting_down && ctx.shutting_down->load()) ready = false;
    return JsonResponse(ready ? 200 : 503, {{"status", ready ? "ready" : "not ready"}});
  });
  server.Route("GET", "/metrics", [&ctx](HttpRequest&) {
    return HttpResponse::Text(200, ctx.render_metrics ? ctx.render_metrics() : "",
                              "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Route("GET", "/v1/version", [&ctx](HttpRequest&) {
    return JsonResponse(200, {{"version", ctx.version}, {"apiVersion", "kelola.io/v1"}});
  });
  auto openapi = std::make_shared<std::string>(BuildOpenApiDocument(ctx.kinds, ctx.version).dump());
  server.Route("GET", "/v1/openapi.json", [openapi](HttpRequest&) { return HttpResponse::Json(200, *openapi); });
  // Specific collections before the generic /v1/{plural} routes: first match wins.
  RegisterEventRoutes(server, ctx);
  RegisterTokenRoutes(server, ctx);
  RegisterExecutionRoutes(server, ctx);
  RegisterFileRoutes(server, ctx);
  RegisterLeaderRoutes(server, ctx);
  RegisterHookRoutes(server, ctx);
  RegisterRunRoutes(server, ctx);
  RegisterAlertRoutes(server, ctx);
  RegisterServerGroupRoutes(server, ctx);
  RegisterSimulateRoutes(server, ctx);
  RegisterScalingPolicyRoutes(server, ctx);
  RegisterDeployRoutes(server, ctx);
  RegisterResourceRoutes(server, ctx);
}

}  // namespace kelola
