// libFuzzer target: Loki protobuf push bodies (logproto.PushRequest), the
// hand-written wire decoder and the snappy path in front of it. The first
// byte picks raw protobuf or a snappy-compressed body. No input may crash,
// hang or leak; a request that decodes must re-encode to one that decodes
// to the same streams.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/loki/loki_push.h"

namespace {

bool Same(const kelola::LokiPushRequest& a, const kelola::LokiPushRequest& b) {
  if (a.streams.size() != b.streams.size()) return false;
  for (size_t i = 0; i < a.streams.size(); ++i) {
    const auto& x = a.streams[i];
    const auto& y = b.streams[i];
    if (x.labels != y.labels || x.entries.size() != y.entries.size()) return false;
    for (size_t j = 0; j < x.entries.size(); ++j) {
      if (x.entries[j].timestamp_ns != y.entries[j].timestamp_ns || x.entries[j].line != y.entries[j].line ||
          x.entries[j].structured_metadata != y.entries[j].structured_metadata) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  kelola::LokiPushLimits limits;
  limits.max_decoded_bytes = 4 * 1024 * 1024;
  limits.max_entries = 100'000;
  auto req = (data[0] & 1) ? kelola::DecodeLokiPushBody(in, "application/x-protobuf", "", limits)
                           : kelola::DecodeLokiPushProto(in, limits);
  if (!req.ok()) return 0;
  auto again = kelola::DecodeLokiPushProto(kelola::EncodeLokiPushProto(*req), limits);
  if (!again.ok() || !Same(*req, *again)) std::abort();
  return 0;
}
