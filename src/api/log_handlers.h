// REST routes of the log pipeline, on the embedded LogStore:
//
//   POST /v1/logs/ingest   an agent frame (docs/formats/agent-frame.md); operator
//                          token. 200 {"accepted":N,"duplicates":M} only once the
//                          records are durably stored; 400 malformed frame;
//                          503 storage failed (the agent retries).
//   GET  /v1/logs/query    viewer. from, to (Unix ms) or since (duration: 15m),
//                          selector (agent=web-1,file=/var/log/a.log,service=api),
//                          contains, regex (RE2), after (record id), limit (<= 10000),
//                          template (template id: records whose field template_id is it)
//   GET  /v1/logs/tail     viewer. The same filters, as server-sent events from
//                          `after` (default: now), one event per record.
//
// Register before RegisterApiRoutes (its /v1/{plural}/{name} would match
// first); ctx.tokens is only used at request time. Ingest is not written to the audit log per batch (it would drown
// it); rejected batches are counted in /metrics. Handlers are thread-safe.
#pragma once

#include "api/api_server.h"
#include "base/metrics.h"
#include "logs/log_store.h"
#include "logs/shared_log_publisher.h"

namespace kelola {

// `store`, `metrics` and `shared` must outlive the server. With `shared`
// (several replicas on PostgreSQL), a batch is stored through it (shared,
// then applied here by the feed) instead of appended locally; a failure is a 503.
void RegisterLogRoutes(HttpServer& server, ApiContext& ctx, LogStore& store, MetricsRegistry& metrics,
                       LogBatchPublisher* shared = nullptr);

}  // namespace kelola
