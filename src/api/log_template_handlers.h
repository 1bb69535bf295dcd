// GET /v1/logs/templates (viewer): the templates the server's template miner
// (src/analyze) learned from stored log lines, most frequent first:
//   {"items":[{"id":12,"template":"Invalid user <*> from <*>","count":431,
//              "firstSeen":"...","lastSeen":"...","firstSeenMs":..,"lastSeenMs":..,
//              "example":"Invalid user admin from 10.0.0.9"}],"total":57}
// Query: limit (default 1000, <= 100000), sort=count (default) or id,
// contains (substring of the template text). docs/api.md.
#pragma once

#include "analyze/template_miner.h"
#include "api/api_server.h"

namespace kelola {

// `miner` must outlive the server.
void RegisterLogTemplateRoutes(HttpServer& server, ApiContext& ctx, const analyze::TemplateMiner& miner);

}  // namespace kelola
