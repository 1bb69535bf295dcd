// The web dashboard's static files (docs/dashboard.md), served by
// `kelola server` next to the API:
//
//   GET /                 index.html for a browser (Accept: text/html and no
//                         Authorization header); anything else gets
//                         `root_fallback` (the Elasticsearch banner that log
//                         shippers probe, es_bulk_handlers.h)
//   GET /<file>           a built file with its content type; files under
//                         assets/ carry a content hash in their name and are
//                         cached for a year, the rest revalidate (no-cache)
//   GET /<client route>   index.html for an unknown path without a file
//                         extension, so the single-page app's routes load
//
// Paths under /v1/, /loki/ and /_ stay the API's: a 404 in its error shape.
// Dot segments, encoded or not ("/../", "%2e%2e"), backslashes, NULs and
// encoded slashes are refused with 400 before any lookup. The files come from
// memory (ui_assets.h), never from the filesystem. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/ui_assets.h"
#include "net/http_server.h"

namespace kelola {

// The Content-Type for a file name, by extension ("application/octet-stream"
// when unknown).
std::string_view UiContentType(std::string_view path);

// Answers one GET/HEAD request for the UI from `assets`. Pure.
HttpResponse ServeUi(const UiAssets& assets, const HttpRequest& request);

// Registers GET / (see above) and the server's fallback for unmatched
// GET/HEAD paths. Register before RegisterEsBulkRoutes so that browsers get
// the UI at /. `assets` must outlive the server.
void RegisterUiRoutes(HttpServer& server, const UiAssets& assets, HttpHandler root_fallback);

}  // namespace kelola
