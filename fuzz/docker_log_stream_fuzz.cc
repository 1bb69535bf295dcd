// libFuzzer target: the Docker engine's multiplexed log stream through
// LogStreamDecoder. The first byte picks a chunk size; whatever the
// chunking, the decoded stdout/stderr and the verdict must equal those of
// decoding the whole input at once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "integrations/docker/log_stream_decoder.h"

namespace {

struct Decoded {
  std::string out, err, sys;
  bool ok = true;
};

Decoded Decode(std::string_view input, size_t chunk) {
  Decoded d;
  kelola::docker::LogStreamDecoder decoder([&d](kelola::docker::LogStream s, std::string_view b) {
    (s == kelola::docker::LogStream::kStdout   ? d.out
     : s == kelola::docker::LogStream::kStderr ? d.err
                                               : d.sys)
        .append(b);
  });
  for (size_t i = 0; i < input.size() && d.ok; i += chunk) d.ok = decoder.Feed(input.substr(i, chunk)).ok();
  if (d.ok) d.ok = decoder.Finish().ok();
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 17;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Decoded whole = Decode(input, input.size() + 1);
  const Decoded pieces = Decode(input, chunk);
  if (whole.ok != pieces.ok) std::abort();
  if (whole.ok && (whole.out != pieces.out || whole.err != pieces.err || whole.sys != pieces.sys)) std::abort();
  if (whole.out.size() + whole.err.size() + whole.sys.size() > input.size()) std::abort();
  return 0;
}
