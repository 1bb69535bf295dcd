#include "logs/zstd_codec.h"

#include <zstd.h>

#include <cstring>
#include <memory>

namespace kelola {

Result<std::string> ZstdCompress(std::string_view data, int level) {
  // One context per thread, reused: creating one per call allocated and
  // cleared its tables every time.
  struct Context {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ~Context() { ZSTD_freeCCtx(cctx); }
  };
  thread_local Context context;
  ZSTD_CCtx* cctx = context.cctx;
  if (cctx == nullptr) return InternalError("zstd: out of memory");
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);  // catches corruption the transport or disk missed
  // Not zero-filled: only the pages zstd writes become resident.
  size_t bound = ZSTD_compressBound(data.size());
  std::unique_ptr<char[]> out(new char[bound]);
  size_t n = ZSTD_compress2(cctx, out.get(), bound, data.data(), data.size());
  if (ZSTD_isError(n)) return InternalError(std::string("zstd compress: ") + ZSTD_getErrorName(n));
  return std::string(out.get(), n);
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

bool IsSingleZstdFrameWithChecksum(std::string_view data, size_t content_size) {
  // RFC 8878 3.1.1: magic 0xFD2FB528 (little-endian), then the frame header
  // descriptor whose bit 2 is Content_Checksum_flag.
  constexpr unsigned char kMagic[4] = {0x28, 0xb5, 0x2f, 0xfd};
  if (data.size() < 5 || std::memcmp(data.data(), kMagic, 4) != 0) return false;
  if ((static_cast<unsigned char>(data[4]) & 0x04) == 0) return false;
  if (ZSTD_getFrameContentSize(data.data(), data.size()) != content_size) return false;
  return ZSTD_findFrameCompressedSize(data.data(), data.size()) == data.size();
}

}  // namespace kelola
