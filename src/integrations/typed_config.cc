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

std::string DescribePluginKeys(const ConfigSchema& schema, const std::string& secret_note) {
  std::string out = "| Key | Type | Default | Description |\n|---|---|---|---|\n";
  for (const ConfigKey& key : schema.keys()) {
    std::string shown = key.default_value.empty() ? "(empty)" : "`" + key.default_value + "`";
    if (key.secret && secret_note.empty()) shown = "(secret)";
    std::string description = key.description;
    if (key.secret && !secret_note.empty()) description += " " + secret_note;
    if (!key.allowed.empty()) {
      description += " One of:";
      for (size_t i = 0; i < key.allowed.size(); ++i) description += (i ? ", " : " ") + key.allowed[i];
      description += ".";
    }
    if (key.min && key.max) {
      description += " Range: " + std::to_string(*key.min) + " to " + std::to_string(*key.max) + ".";
    }
    for (char& c : description) {
      if (c == '|') c = '/';
    }
    out += "| `" + key.name + "` | " + std::string(ConfigTypeName(key.type)) + " | " + shown + " | " + description +
           " |\n";
  }
  return out;
}

}  // namespace kelola
