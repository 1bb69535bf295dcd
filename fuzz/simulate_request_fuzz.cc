// libFuzzer target: the body of POST /v1/scale/simulate is outside input.
// DecodeSimulateRequest must never crash, hang or leak, fails only with
// InvalidArgument, and what it accepts stays within the API's bounds. The
// simulation itself is not run here (its cost is bounded by those limits and
// covered by src/scale's tests).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/simulate_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto r = kelola::DecodeSimulateRequest(body);
  if (!r.ok()) {
    if (r.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (r->sets.empty() || r->sets.size() > kelola::kMaxSimulatePolicySets) std::abort();
  if (r->trace.requests.empty() || r->trace.requests.size() > kelola::kMaxSimulateMinutes) std::abort();
  return 0;
}
