#include "engine/controller.h"

namespace kelola {

std::string ResourceKey(std::string_view kind, std::string_view name) {
  std::string key;
  key.reserve(kind.size() + 1 + name.size());
  key.append(kind).append("/").append(name);
  return key;
}

Result<ResourceKeyParts> ParseResourceKey(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) {
    return InvalidArgumentError("resource key \"" + std::string(key) + "\" has no '/': expected \"Kind/name\"");
  }
  if (slash == 0) {
    return InvalidArgumentError("resource key \"" + std::string(key) + "\" has an empty kind");
  }
  if (slash + 1 == key.size()) {
    return InvalidArgumentError("resource key \"" + std::string(key) + "\" has an empty name");
  }
  return ResourceKeyParts{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace kelola
