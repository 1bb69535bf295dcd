// libFuzzer target: load traces (CSV) are outside input. ParseLoadTrace must
// never crash, hang or leak, fails only with InvalidArgument, and a trace it
// accepts is never longer than a year of minutes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scale/load_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = kelola::ParseLoadTrace(text, "fuzz.csv", kelola::WallTime());
  if (!t.ok()) {
    if (t.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (t->requests.empty() || t->requests.size() > kelola::kMaxTraceMinutes) std::abort();
  return 0;
}
