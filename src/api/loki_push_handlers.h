// POST /loki/api/v1/push: Loki's push API on kelola's embedded LogStore, so
// Promtail, Grafana Agent/Alloy, Vector, Fluent Bit's loki output and other
// Loki clients can ship to `kelola server` (docs/formats/loki-push.md).
//
//   Bodies    snappy-compressed protobuf (application/x-protobuf, or no
//             Content-Type) or JSON (application/json), optionally
//             Content-Encoding gzip or deflate.
//   Auth      a kelola token with role operator, as "Authorization: Bearer
//             <token>" or as basic auth with the token as the password (any
//             user name), since Loki clients offer one or the other.
//   Answers   204 only after every entry is durably stored (or recognised
//             as a retry of stored ones); 400 malformed body or labels, with
//             what and where; 401/403; 413 body or decompressed size above
//             the limit; 415 unknown Content-Encoding; 503 storing failed
//             (the client retries; nothing stored twice).
//
// Register before RegisterApiRoutes. Thread-safe.
#pragma once

#include "api/api_server.h"
#include "base/metrics.h"
#include "integrations/loki/loki_push.h"
#include "logs/log_store.h"
#include "logs/shared_log_publisher.h"

namespace kelola {

// `store`, `metrics` and `shared` must outlive the server. With `shared`
// (replicas on PostgreSQL) each batch is stored through it (shared, then
// applied here by the feed); a failure is a 503.
void RegisterLokiPushRoutes(HttpServer& server, ApiContext& ctx, LogStore& store, MetricsRegistry& metrics,
                            LokiPushLimits limits = {}, LogBatchPublisher* shared = nullptr);

}  // namespace kelola
