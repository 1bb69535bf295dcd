// libFuzzer target: a repository's .kelola.yml is outside input (anyone who
// can push writes it). ParsePipelineFile must never crash, hang or leak, and
// must fail only with InvalidArgument. The guard in front of yaml-cpp
// (pipeline_file.h) is what keeps the known yaml-cpp 0.7 hangs
// (fuzz/known-hangs/) out; this target checks it holds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pipeline/pipeline_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = kelola::ParsePipelineFile(text);
  if (!file.ok() && file.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
  if (file.ok() && file->steps.empty()) std::abort();  // a parsed file always has steps
  return 0;
}
