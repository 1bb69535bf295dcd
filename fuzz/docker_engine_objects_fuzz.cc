// libFuzzer target: the Docker engine's container and network documents
// (inspect and list answers) and its timestamps through engine_objects.h.
// No input may crash or hang; a decoded object always has an ID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/docker/engine_objects.h"

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
  return 0;
}
