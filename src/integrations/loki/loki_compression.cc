#include "integrations/loki/loki_compression.h"

#include <snappy.h>
#include <zlib.h>

namespace kelola {

std::string SnappyCompress(std::string_view data) {
  std::string out;
  snappy::Compress(data.data(), data.size(), &out);
  return out;
}

Result<std::string> SnappyDecompress(std::string_view data, size_t max_bytes, std::string_view what) {
  size_t size = 0;
  if (!snappy::GetUncompressedLength(data.data(), data.size(), &size)) {
    return InvalidArgumentError(std::string(what) + ": not snappy block format (bad length header)");
  }
  if (size > max_bytes) {
    return ResourceExhaustedError(std::string(what) + ": snappy declares " + std::to_string(size) +
                                  " bytes, above the limit of " + std::to_string(max_bytes));
  }
  std::string out;
  if (!snappy::Uncompress(data.data(), data.size(), &out)) {
    return InvalidArgumentError(std::string(what) + ": corrupt snappy data");
  }
  return out;
}

Result<std::string> InflateBody(std::string_view data, bool raw_deflate, size_t max_bytes, std::string_view what) {
  z_stream zs{};
  // 15 + 32: gzip or zlib, detected from the header; -15: raw deflate.
  if (inflateInit2(&zs, raw_deflate ? -15 : 15 + 32) != Z_OK) return InternalError("zlib: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string msg = zs.msg != nullptr ? zs.msg : (rc == Z_BUF_ERROR ? "truncated input" : "error");
      inflateEnd(&zs);
      return InvalidArgumentError(std::string(what) + ": " + (raw_deflate ? "deflate" : "gzip") + ": " + msg);
    }
    size_t produced = sizeof(buf) - zs.avail_out;
    if (out.size() + produced > max_bytes) {
      inflateEnd(&zs);
      return ResourceExhaustedError(std::string(what) + ": decompresses to more than " + std::to_string(max_bytes) +
                                    " bytes");
    }
    out.append(buf, produced);
    if (rc == Z_OK && produced == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return InvalidArgumentError(std::string(what) + ": " + (raw_deflate ? "deflate" : "gzip") + ": truncated input");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string GzipCompress(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace kelola
