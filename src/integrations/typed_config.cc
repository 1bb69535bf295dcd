#include "integrations/typed_config.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace kelola {

const ConfigSchema& CommonPlusTypeSchema(const ConfigSchema& common, std::string_view type, const ConfigSchema& own) {
  static std::mutex mu;
  static std::map<std::pair<const ConfigSchema*, std::string>, std::unique_ptr<ConfigSchema>> merged;
  std::lock_guard lock(mu);
  auto& slot = merged[{&common, std::string(type)}];
  if (!slot) {
    slot = std::make_unique<ConfigSchema>();
    for (const auto& k : common.keys()) slot->Add(k);
    for (const auto& k : own.keys()) slot->Add(k);
  }
  return *slot;
}

bool IsPluginName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace kelola
