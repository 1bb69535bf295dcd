#include "net/gzip.h"

#include <zlib.h>

namespace kelola {
namespace {
constexpr int kGzipWindowBits = 15 + 16;  // +16: gzip header and trailer, not raw zlib
}  // namespace

Result<std::string> GzipBody(std::string_view data, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return InternalError("gzip: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return InternalError("gzip: deflate did not finish");
  out.resize(produced);
  return out;
}

Result<std::string> GunzipBody(std::string_view data, size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK) return InternalError("gunzip: inflateInit2 failed");
  std::string out;
  char chunk[64 * 1024];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return InvalidArgumentError(rc == Z_BUF_ERROR ? "gzip body is truncated" : "gzip body is corrupt");
    }
    size_t got = sizeof(chunk) - zs.avail_out;
    if (out.size() + got > max_output) {
      inflateEnd(&zs);
      return InvalidArgumentError("gzip body inflates to more than " + std::to_string(max_output) + " bytes");
    }
    out.append(chunk, got);
    if (rc != Z_STREAM_END && zs.avail_in == 0 && got == 0) {
      inflateEnd(&zs);
      return InvalidArgumentError("gzip body is truncated");
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace kelola
