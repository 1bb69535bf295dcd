// libFuzzer target: Loki JSON push bodies, plain or gzip (first byte
// picks). No input may crash, hang or leak; a body that decodes must
// re-encode to one that decodes to the same streams.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/loki/loki_push.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  kelola::LokiPushLimits limits;
  limits.max_decoded_bytes = 4 * 1024 * 1024;
  limits.max_entries = 100'000;
  auto req = kelola::DecodeLokiPushBody(in, "application/json", (data[0] & 1) ? "gzip" : "", limits);
  if (!req.ok()) return 0;
  auto again = kelola::DecodeLokiPushJson(kelola::EncodeLokiPushJson(*req), limits);
  if (!again.ok() || again->streams.size() != req->streams.size()) std::abort();
  for (size_t i = 0; i < req->streams.size(); ++i) {
    const auto& x = req->streams[i];
    const auto& y = again->streams[i];
    if (x.labels != y.labels || x.entries.size() != y.entries.size()) std::abort();
    for (size_t j = 0; j < x.entries.size(); ++j) {
      if (x.entries[j].timestamp_ns != y.entries[j].timestamp_ns || x.entries[j].line != y.entries[j].line) {
        std::abort();
      }
    }
  }
  return 0;
}
