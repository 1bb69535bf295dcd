// libFuzzer target: a ServerGroup spec is outside input (any operator token
// writes one through the API or `kelola fleet apply`). DecodeServerGroupSpec
// must never crash or hang and must fail only with InvalidArgument; a spec it
// accepts must survive its own encoding unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fleet/server_group.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto spec = kelola::DecodeServerGroupSpec("fuzz", text);
  if (!spec.ok()) {
    if (spec.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  const std::string encoded = kelola::EncodeServerGroupSpec(*spec);
  auto again = kelola::DecodeServerGroupSpec("fuzz", encoded);
  if (!again.ok() || kelola::EncodeServerGroupSpec(*again) != encoded) std::abort();
  return 0;
}
