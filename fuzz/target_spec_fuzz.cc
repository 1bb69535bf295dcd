// libFuzzer target: a Target spec is outside input (any operator token
// writes one through the API). DecodeTargetSpec must never crash or hang and
// must fail only with InvalidArgument; a spec it accepts must survive its own
// encoding unchanged, and BatchSize stays within 1..hosts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "deploy/target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto spec = kelola::DecodeTargetSpec("fuzz", text);
  if (!spec.ok()) {
    if (spec.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  const std::string encoded = kelola::EncodeTargetSpec(*spec);
  auto again = kelola::DecodeTargetSpec("fuzz", encoded);
  if (!again.ok() || kelola::EncodeTargetSpec(*again) != encoded) std::abort();
  for (int hosts : {1, 3, 1000}) {
    const int batch = kelola::BatchSize(spec->dockerhosts.batch, hosts);
    if (batch < 1 || batch > hosts) std::abort();
  }
  return 0;
}
