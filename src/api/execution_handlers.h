// POST /v1/executions: run a command, script, file copy or runbook over SSH
// on the hosts a selector matches (operator role). Answers 202 with the
// Execution; follow it with GET /v1/executions/{name} or
// GET /v1/events?follow=1&subject=Execution/{name}.
#pragma once

#include "api/api_server.h"

namespace kelola {

void RegisterExecutionRoutes(HttpServer& server, ApiContext& ctx);

}  // namespace kelola
