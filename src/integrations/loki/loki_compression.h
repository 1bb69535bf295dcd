// The compressions of Loki's push API: snappy block format (protobuf
// bodies, as Promtail sends them) and gzip/deflate (Content-Encoding).
//
// Decompression refuses output above `max_bytes` before allocating it
// (snappy declares its size; gzip is inflated in bounded steps), so a small
// body cannot blow up into gigabytes: that is ResourceExhausted; corrupt
// data is InvalidArgument; both name `what`. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

std::string SnappyCompress(std::string_view data);
Result<std::string> SnappyDecompress(std::string_view data, size_t max_bytes, std::string_view what);
// `raw_deflate`: RFC 1951 without a header (Go's compress/flate, HTTP
// "deflate" as Loki reads it); otherwise gzip (RFC 1952) or zlib.
Result<std::string> InflateBody(std::string_view data, bool raw_deflate, size_t max_bytes, std::string_view what);
// For tests and clients: gzip (RFC 1952) at the default level.
std::string GzipCompress(std::string_view data);

}  // namespace kelola
