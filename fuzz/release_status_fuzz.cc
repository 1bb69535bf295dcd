// libFuzzer target: Release documents are read back from the store, where a
// replica of another version or a hand-edited database may have put
// anything. DecodeReleaseStatus and DecodeReleaseSpec must never crash or
// hang and fail only with InvalidArgument; what they accept survives its own
// encoding unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "deploy/release.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto status = kelola::DecodeReleaseStatus(text);
  if (status.ok()) {
    const std::string encoded = kelola::EncodeReleaseStatus(*status);
    auto again = kelola::DecodeReleaseStatus(encoded);
    if (!again.ok() || kelola::EncodeReleaseStatus(*again) != encoded) std::abort();
  } else if (status.status().code() != kelola::StatusCode::kInvalidArgument) {
    std::abort();
  }
  auto spec = kelola::DecodeReleaseSpec("fuzz-1", text);
  if (spec.ok()) {
    const std::string encoded = kelola::EncodeReleaseSpec(*spec);
    auto again = kelola::DecodeReleaseSpec("fuzz-1", encoded);
    if (!again.ok() || kelola::EncodeReleaseSpec(*again) != encoded) std::abort();
  } else if (spec.status().code() != kelola::StatusCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
