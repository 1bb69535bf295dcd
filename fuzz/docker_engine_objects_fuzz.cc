// libFuzzer target: the Docker engine's container and network documents
// (inspect and list answers) and its timestamps through engine_objects.h,
// and an image's /etc/passwd through passwd_entry.h.
// No input may crash or hang; a decoded object always has an ID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "integrations/docker/engine_objects.h"
#include "integrations/docker/passwd_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kelola::docker;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto c = ParseContainerInspect(input); c.ok()) {
    if (c->id.empty()) std::abort();
  }
  if (auto list = ParseContainerList(input); list.ok()) {
    for (const ContainerInfo& c : *list) {
      if (c.id.empty()) std::abort();
    }
  }
  if (auto n = ParseNetworkInspect(input); n.ok() && n->id.empty()) std::abort();
  if (auto list = ParseNetworkList(input); list.ok()) {
    for (const NetworkInfo& n : *list) {
      if (n.id.empty()) std::abort();
    }
  }
  (void)ParseEngineTime(input.substr(0, 64));
  for (const char* user : {"root", "deploy"}) {
    auto entry = FindPasswdEntry(input, user);
    if (entry.ok() && (entry->uid < 0 || entry->gid < 0 || entry->home.empty() || entry->home.front() != '/' ||
                       entry->home.find("..") != std::string::npos)) {
      std::abort();
    }
  }
  return 0;
}
