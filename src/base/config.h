// Config: the effective configuration, loaded from layers over a schema
// (base/config_schema.h declares the keys and how text values parse).
//
// Layers, later ones winning: defaults < YAML file < environment < flags.
//   file         nested maps become dotted keys: `log: {level: info}` is log.level;
//                a list is a YAML sequence of scalars
//   environment  KELOLA_LOG_LEVEL is log.level (dots become underscores, upper case)
//   flags        a map from key to text, filled by the CLI (--log.level=debug)
//
// Errors: the loaders return InvalidArgument naming source and position
// (1-based line:column), and stop at the first error:
//   config.yaml:3:5: unknown key "lissten" (did you mean "listen"?)
//   config.yaml:4:12: log.level: expected one of debug|info|warn|error, got "loud"
//   config.yaml:2:1: duplicate key "listen" (first set at 1:1)
//   config.yaml:5:3: did not find expected key        (a YAML syntax error)
//   environment KELOLA_LISTTEN: unknown key (did you mean KELOLA_LISTEN?)
//   environment KELOLA_PORT: port: expected an integer, got "abc"
//   flag --log.level: log.level: expected one of debug|info|warn|error, got "loud"
// A getter called with an undeclared key or the wrong type is a programmer
// error and aborts with a message.
//
// Thread-safety: a Config is immutable after loading; copies are cheap and
// safe to read from many threads. yaml-cpp exceptions never escape.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/config_schema.h"
#include "base/status.h"

namespace kelola {

// KELOLA_* variables read by the CLI or the test harness rather than being
// config keys: KELOLA_TOKEN, KELOLA_SERVER, KELOLA_CONFIG, KELOLA_BINARY,
// KELOLA_SOURCE_DIR. Do not declare a key whose variable is in this set: the
// default KelolaEnvironment() would never pass it on.
const std::set<std::string>& NonConfigEnvironmentNames();

// Every KELOLA_* variable of this process except those in `exclude`.
std::map<std::string, std::string> KelolaEnvironment(
    const std::set<std::string>& exclude = NonConfigEnvironmentNames());

class Config {
 public:
  // Each getter aborts if `key` is not declared with the matching type.
  std::string GetString(std::string_view key) const;
  int64_t GetInt(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  std::chrono::milliseconds GetDuration(std::string_view key) const;
  std::vector<std::string> GetList(std::string_view key) const;
  std::vector<ConfigObject> GetObjects(std::string_view key) const;

  // Where the value came from: "default", "config.yaml:3:9",
  // "environment KELOLA_LOG_LEVEL" or "flag --log.level".
  std::string SourceOf(std::string_view key) const;
  // One line per key in name order, "name = value  # source"; secret values
  // are shown as <redacted>.
  std::string Dump() const;

 private:
  friend class ConfigLoader;
  struct Entry {
    ConfigType type;
    ConfigValue value;
    std::string source;
    bool secret = false;
  };
  const Entry& Lookup(std::string_view key, ConfigType type) const;

  std::shared_ptr<const std::map<std::string, Entry, std::less<>>> entries_;
};

// Largest config file accepted; a bigger one is surely a mistake.
inline constexpr size_t kMaxConfigFileBytes = 4 << 20;

// Loads `yaml_path` (skipped when empty), then `env`, then `flags`. A file
// that cannot be read is NotFound (missing), PermissionDenied or Unavailable.
Result<Config> LoadConfig(const ConfigSchema& schema, const std::string& yaml_path,
                          const std::map<std::string, std::string>& env,
                          const std::map<std::string, std::string>& flags);

// Loads one item of an `objects` key over its own schema: unknown keys and
// bad values are InvalidArgument naming the item's source position, as for
// the file ("server.yaml:9:7: unknown key \"urll\" (did you mean \"url\"?)").
Result<Config> LoadConfigFromObject(const ConfigSchema& schema, const ConfigObject& object);

// As LoadConfig with the file's text given; `display_name` names it in errors.
Result<Config> LoadConfigFromString(const ConfigSchema& schema, std::string_view yaml_text,
                                    std::string_view display_name, const std::map<std::string, std::string>& env,
                                    const std::map<std::string, std::string>& flags);

}  // namespace kelola
