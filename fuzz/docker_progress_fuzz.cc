// libFuzzer target: the Docker engine's JSON-lines progress stream (build,
// push, pull answers) through ProgressStream. No input may crash or hang;
// an engine-reported error is always remembered with a message, and a
// digest taken from the stream is always well-formed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/docker/progress_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t lines = 0;
  kelola::docker::ProgressStream stream([&lines](std::string_view) { ++lines; });
  while (!input.empty()) {
    const size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    (void)kelola::docker::ParseProgressLine(line);
    if (!stream.Add(line).ok()) break;
  }
  stream.Finish();
  if (stream.failed() && stream.error().empty()) std::abort();
  if (stream.tail().size() > kelola::docker::ProgressStream::kTailLines) std::abort();
  const std::string status_digest =
      kelola::docker::DigestFromPushStatus(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!status_digest.empty() && status_digest.size() != 71) std::abort();
  return 0;
}
