#include "api/leader_handlers.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/request_auth.h"

namespace kelola {
namespace {

using json = nlohmann::json;

json EncodeLease(const Lease& lease, WallTime now) {
  return json{{"name", lease.name},
              {"holder", lease.holder},
              {"token", lease.token},
              {"leading", !lease.holder.empty() && lease.expires_at > now},
              {"acquiredAt", FormatRfc3339(lease.acquired_at)},
              {"renewedAt", FormatRfc3339(lease.renewed_at)},
              {"expiresAt", FormatRfc3339(lease.expires_at)}};
}

HttpResponse List(ApiContext& ctx) {
  auto leases = ctx.store.ListLeases();
  if (!leases.ok()) return ErrorResponse(leases.status());
  const WallTime now = ctx.clock.Now();
  json items = json::array();
  for (const Lease& lease : *leases) items.push_back(EncodeLease(lease, now));
  return JsonResponse(200, json{{"items", items}});
}

}  // namespace

void RegisterLeaderRoutes(HttpServer& server, ApiContext& ctx) {
  server.Route("GET", "/v1/leaders",
               Authorized(ctx, Role::kViewer, [&ctx](HttpRequest&, const Principal&) { return List(ctx); }));
}

}  // namespace kelola
