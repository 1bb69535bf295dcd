// libFuzzer target: every agent -> server frame goes through DecodeFrame.
// No input may crash, hang or leak; a frame that decodes must re-encode to
// one that decodes to the same records, and a frame the server stores as is
// (StorableFramePayload) must read back as the records it decoded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "logs/log_frame.h"
#include "logs/zstd_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kelola::FrameLimits limits;
  limits.max_decoded_bytes = 4 * 1024 * 1024;
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto batch = kelola::DecodeFrame(frame, limits);
  if (!batch.ok()) return 0;
  if (auto stored = kelola::StorableFramePayload(frame)) {
    auto raw = kelola::ZstdDecompress(stored->zstd, stored->raw_len, "stored payload");
    if (!raw.ok()) std::abort();
    auto back = kelola::DecodeBatchPayload(*raw, limits, "stored payload");
    if (!back.ok() || back->records.size() != batch->records.size() || back->agent != batch->agent) std::abort();
  }
  auto again = kelola::EncodeFrame(*batch, 1);
  if (!again.ok()) std::abort();
  auto round = kelola::DecodeFrame(*again, limits);
  if (!round.ok() || round->records.size() != batch->records.size() || round->agent != batch->agent ||
      round->labels != batch->labels) {
    std::abort();
  }
  for (size_t i = 0; i < batch->records.size(); ++i) {
    const auto& a = batch->records[i];
    const auto& b = round->records[i];
    if (a.text != b.text || a.offset != b.offset || a.end_offset != b.end_offset || a.time_ms != b.time_ms ||
        a.stream_id != b.stream_id || a.path != b.path || a.split != b.split || a.level != b.level ||
        a.fields != b.fields) {
      std::abort();
    }
  }
  return 0;
}
