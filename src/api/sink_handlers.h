// REST routes about the log sinks the server forwards to (logs.sinks):
//
//   GET /v1/logs/sinks          viewer. Per sink: name, type, cursor, lag,
//                               sent, dead_lettered, item/batch retries,
//                               consecutive failures, last error and its time.
//   GET /v1/logs/dead-letters   viewer. sink (required), after (record id),
//                               limit (1-1000, default 100): the records a sink
//                               refused for good, oldest first, with the
//                               destination's status and reason;
//                               `next` continues.
//
// Register before RegisterApiRoutes (its /v1/{plural}/{name} would match
// first). Handlers are thread-safe; the forwarders must outlive the server.
#pragma once

#include <vector>

#include "api/api_server.h"
#include "logs/sink_forwarder.h"

namespace kelola {

void RegisterSinkRoutes(HttpServer& server, ApiContext& ctx, std::vector<const SinkForwarder*> sinks);

}  // namespace kelola
