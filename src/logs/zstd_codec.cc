#include "logs/zstd_codec.h"

#include <zstd.h>

namespace kelola {

Result<std::string> ZstdCompress(std::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (cctx == nullptr) return InternalError("zstd: out of memory");
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);  // catches corruption the transport or disk missed
  size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) return InternalError(std::string("zstd compress: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> ZstdDecompress(std::string_view data, size_t expected_size, std::string_view what) {
  unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
  if (declared != expected_size) {
    return InvalidArgumentError(std::string(what) + ": zstd content size does not match the expected " +
                                std::to_string(expected_size) + " bytes");
  }
  std::string out(expected_size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) return InvalidArgumentError(std::string(what) + ": zstd: " + ZSTD_getErrorName(n));
  if (n != expected_size) return InvalidArgumentError(std::string(what) + ": zstd: short output");
  return out;
}

}  // namespace kelola
