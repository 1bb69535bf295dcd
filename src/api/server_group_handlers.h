// The ServerGroup routes that do more than store a document (docs/fleet.md):
//
//   POST   /v1/server-groups               create (201; 409 when the name exists)
//   PUT    /v1/server-groups/{name}        create (201) or update (200)
//   DELETE /v1/server-groups/{name}        request destruction (202)
//   POST   /v1/server-groups/{name}/plan   what applying a candidate would do
//
// Writes (operator) go through the schema, then the fleet's own decoding
// (DecodeServerGroupSpec: CIDRs, overlaps, health check, static machines)
// and the provider's Validate() when the server has providers, each error a
// 400 naming the field; then the team's quota: over it is a 403 with the
// numbers, plus an "audit.fleet.quota-exceeded" event.
//
// DELETE does not delete: the group controller needs the spec to tear the
// servers and the network down. It sets the label kelola.io/deleting=true
// (202 Accepted, event "fleet.group.destroy-requested"); the controller
// removes the hosts, the network and finally the resource. A group being
// destroyed refuses PUT (409). GET and list stay on the generic routes.
//
// Plan (viewer) takes the same body as PUT (or none: the stored spec) and
// answers {"plan": ..., "text": "...", "quota": {...}} from the group's Host
// resources in the store; it does not ask the provider.
#pragma once

#include "api/api_server.h"
#include "fleet/group_controller.h"

namespace kelola {

// Set by DELETE; the group controller destroys a group that carries it.
inline constexpr const char* kServerGroupDeletingLabel = kFleetDeletingLabel;

void RegisterServerGroupRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
