// gzip content coding for HTTP bodies (zlib): request bodies sent to
// Elasticsearch, and `Content-Encoding: gzip` bodies received by ingest.
//
// GunzipBody is a decoder of outside input: it stops at `max_output` bytes
// (a zip bomb is InvalidArgument, not an allocation) and reports corrupt or
// truncated data as InvalidArgument. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

// `level` 1..9 (zlib); Internal only if zlib fails.
Result<std::string> GzipBody(std::string_view data, int level = 6);
Result<std::string> GunzipBody(std::string_view data, size_t max_output);

}  // namespace kelola
