// A run's output over REST (docs/api.md, docs/pipelines.md):
//   GET /v1/runs/{id}/logs            every stored line so far, as JSON
//                                     {"items":[{"n","time","step","stream","line"}],"finished"}
//   GET /v1/runs/{id}/logs?follow=1   application/x-ndjson: the stored lines, then
//                                     each new line as it is written, until the run
//                                     has finished and every line was sent
// Lines come from the RunLog files the runner writes (pipeline/run_log.h)
// under `logs_dir` on the replica that ran the run. Viewer role.
#pragma once

#include <string>

#include "api/api_server.h"

namespace kelola {

void RegisterRunLogRoutes(HttpServer& server, ApiContext& ctx, std::string logs_dir);

}  // namespace kelola
