// libFuzzer target: webhook bodies are outside input (anyone can POST them;
// the inbox consumer parses signed ones). The GitHub and GitLab parsers
// must never crash, hang or leak, and fail only with InvalidArgument.
//
// Input: the first byte picks the forge and event, the rest is the body;
// with bit 8 set, the body is a GitHub form (payload=...) decoded first.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pipeline/forge_event.h"
#include "pipeline/form_payload.h"
#include "pipeline/pipeline_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kGitHub[] = {"push", "pull_request", "ping", "release"};
  static constexpr std::string_view kGitLab[] = {"Push Hook", "Tag Push Hook", "Merge Request Hook", "Note Hook"};
  const uint8_t selector = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string decoded;
  if ((selector & 8) != 0) {
    auto form = kelola::FormPayload(body);
    if (!form.ok()) {
      if (form.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
      return 0;
    }
    decoded = std::move(*form);
    body = decoded;
  }
  auto event = (selector & 4) == 0 ? kelola::ParseGitHubEvent(kGitHub[selector & 3], body)
                                   : kelola::ParseGitLabEvent(kGitLab[selector & 3], body);
  if (!event.ok()) {
    if (event.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  // The trigger decision runs on whatever was parsed.
  kelola::PipelineSpec spec;
  spec.repository = event->repository;
  spec.branches = {"main", "release/**"};
  spec.paths = {"src/**", "*.md"};
  (void)kelola::DecideTrigger(spec, *event);
  return 0;
}
