// Elasticsearch-compatible log ingest, so shippers users already run
// (Filebeat, Fluent Bit's `es` output, Vector's `elasticsearch` sink) can
// point at `kelola server` (docs/api/es-bulk-ingest.md):
//
//   GET  /                   an ES-like version banner (8.11.0): shippers probe it
//   GET  /_cat/health        one "green" line (rsyslog's omelasticsearch checks it)
//   POST /_bulk              NDJSON index/create actions (logs/bulk_ingest_parser.h);
//   POST /{index}/_bulk      gzip bodies accepted. 200 with ES's per-item shape
//                            ({"errors":bool,"items":[{"index":{"status":201,...}}]})
//                            only after the records are durably in the LogStore;
//                            400 unreadable body; 503 storage failed (retry).
//
// Auth: the kelola token (operator role to ingest, viewer for the banner) as
// `Authorization: Bearer <token>`, or basic auth with the token as password
// (any user name), which is what shippers' `http_user`/`http_passwd` send.
// Errors use ES's error shape. Handlers are thread-safe.
#pragma once

#include "api/api_server.h"
#include "base/metrics.h"
#include "logs/log_store.h"
#include "logs/shared_log_publisher.h"

namespace kelola {

// The banner answered at GET / (viewer token), for RegisterUiRoutes to hand
// non-browser requests of / to (api/ui_handlers.h).
HttpResponse EsBanner(ApiContext& ctx, HttpRequest& req);

// Register before RegisterApiRoutes. `store`, `metrics` and `shared` outlive
// the server. With `shared` (replicas on PostgreSQL) each batch is stored
// through it (shared, then applied here by the feed); a failure is a 503.
void RegisterEsBulkRoutes(HttpServer& server, ApiContext& ctx, LogStore& store, MetricsRegistry& metrics,
                          LogBatchPublisher* shared = nullptr);

}  // namespace kelola
