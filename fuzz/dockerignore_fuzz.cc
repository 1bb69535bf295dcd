// libFuzzer target: .dockerignore files and the paths matched against them,
// plus image references. Input: the .dockerignore text, a NUL byte, then
// newline-separated paths. No input may crash or hang (matching is a
// dynamic programme, never backtracking); CleanPath is idempotent; a parsed
// image reference survives a round trip through its printed form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "integrations/docker/dockerignore.h"
#include "integrations/docker/image_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  std::string_view patterns = input.substr(0, nul);
  std::string_view paths = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  auto ignore = kelola::docker::DockerIgnore::Parse(patterns);
  while (!paths.empty()) {
    const size_t nl = paths.find('\n');
    std::string_view path = paths.substr(0, nl);
    paths = nl == std::string_view::npos ? std::string_view() : paths.substr(nl + 1);
    if (ignore.ok()) (void)ignore->Excludes(path);
    const std::string clean = kelola::docker::CleanPath(path);
    if (kelola::docker::CleanPath(clean) != clean) std::abort();
    auto ref = kelola::docker::ParseImageReference(path);
    if (ref.ok()) {
      std::string printed = ref->Name();
      if (!ref->tag.empty()) printed += ":" + ref->tag;
      if (!ref->digest.empty()) printed += "@" + ref->digest;
      auto again = kelola::docker::ParseImageReference(printed);
      if (!again.ok() || again->registry != ref->registry || again->repository != ref->repository ||
          again->tag != ref->tag || again->digest != ref->digest) {
        std::abort();
      }
    }
  }
  return 0;
}
