// REST routes of the embedded host metrics store (src/metrics; docs/metrics.md):
//
//   POST /v1/metrics/samples  the agent's samples (metrics/metric_samples.h);
//                             operator token, as the agent's log ingest. Body
//                             at most 1 MiB (413). 200 {"stored":N,"dropped":M}
//                             (dropped: older than retention, or the store's
//                             series limit); 400 names the bad field.
//   GET  /v1/metrics/query    viewer. metric (required) and either
//                             host (+ from, to, step): the raw points of one
//                             series, or group, agg, window, over, time: one
//                             aggregate over the hosts. 400 names the parameter.
//
// Register before RegisterApiRoutes. Thread-safe; `store` must outlive the
// server. A batch without a group gets the group from the Host resource's
// kelola.io/group label when there is one.
#pragma once

#include "api/api_server.h"
#include "base/metrics.h"
#include "metrics/series_store.h"

namespace kelola {

inline constexpr size_t kMaxMetricSamplesBodyBytes = 1 << 20;

void RegisterMetricsRoutes(HttpServer& server, ApiContext& ctx, metrics::SeriesStore& store, MetricsRegistry& registry);

}  // namespace kelola
