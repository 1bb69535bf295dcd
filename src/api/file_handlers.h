// Content-addressed files: how `kelola copy` sends a file larger than a
// request body may be (http.max_body_bytes) to the server.
//
//   PUT    /v1/files/sha256:<hex>   the raw bytes (any Content-Type), streamed
//                                    to DATA_DIR/files, at most files.max_bytes;
//                                    the SHA-256 of what arrived must equal
//                                    <hex> (400 DIGEST_MISMATCH otherwise).
//                                    201 created, 200 when already stored.
//   GET    /v1/files/sha256:<hex>   {"digest","bytes"} or 404: lets a client
//                                    skip uploading content already there.
//   DELETE /v1/files/sha256:<hex>   removes it (204).
//
// An execution references a stored file as copy.file = "sha256:<hex>"
// (execution_handlers.cc). Operator role for all three. docs/api.md.
#pragma once

#include <string>

#include "api/api_server.h"
#include "base/status.h"

namespace kelola {

void RegisterFileRoutes(HttpServer& server, ApiContext& ctx);

// "sha256:<64 lower-case hex>" -> the hex; InvalidArgument naming the
// expected shape otherwise.
Result<std::string> ParseFileDigest(const std::string& digest);
// The stored file of a digest: DIR/sha256-<hex> (it may not exist).
std::string StoredFilePath(const std::string& files_dir, const std::string& hex);

}  // namespace kelola
