// ConfigSchema: the declared configuration keys, and how a text value of
// each type parses (base/config.h loads a Config over a schema).
//
// Every key is declared up front with name, type, default, description and
// optionally allowed values or an integer range, like Fluent Bit's
// config-map: unknown keys and wrong types are errors, and the same table
// generates the docs (Describe).
//
// Text values (defaults, environment, flags, YAML scalars) parse by type:
//   string    as is; must be one of `allowed` when that is set
//   int       base-10 int64, optional sign; within [min, max] when set
//   bool      true|false|yes|no|on|off|1|0, any case
//   duration  one or more <integer><unit>, unit ms, s, m, h or d: "30s", "1h30m"; or "0"
//   list      comma separated, blanks around items trimmed; "" is the empty list
//   objects   a YAML list of mappings, in the config file only (e.g. logs.sinks);
//             each item is validated against its own schema by its user
//             (LoadConfigFromObject in base/config.h); the only text value is ""
//
// Thread-safety: build a schema once, then read it from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace kelola {

enum class ConfigType { kString, kInt, kBool, kDuration, kStringList, kObjectList };

// One item of an `objects` key: its scalar keys, nested mappings flattened to
// dotted names ("tls.ca_file"), as text with where each was written.
struct ConfigObject {
  struct Field {
    std::string text;
    std::string source;  // "server.yaml:7:12"
  };
  std::string source;  // where the item starts
  std::map<std::string, Field> fields;
};

// "string", "int", "bool", "duration", "list", "objects".
std::string_view ConfigTypeName(ConfigType type);

// Holds the alternative matching the key's ConfigType, in enum order.
using ConfigValue = std::variant<std::string, int64_t, bool, std::chrono::milliseconds, std::vector<std::string>,
                                 std::vector<ConfigObject>>;

struct ConfigKey {
  std::string name;  // dotted, segments [a-z0-9_]+: "log.level"
  ConfigType type = ConfigType::kString;
  std::string default_value;  // as text
  std::string description;
  std::vector<std::string> allowed;  // strings and list items: each must be one of these
  std::optional<int64_t> min;        // ints only
  std::optional<int64_t> max;        // ints only
  bool secret = false;               // errors, Describe and Dump never show the value
};

class ConfigSchema {
 public:
  // Aborts on a programmer error: invalid or duplicate name, a name that is
  // also a section of others ("log" beside "log.level"), two names with the
  // same environment variable, or a default that does not parse.
  void Add(ConfigKey key);
  const ConfigKey* Find(std::string_view name) const;
  // The key whose environment variable is `env_name` (KELOLA_LOG_LEVEL).
  const ConfigKey* FindByEnvironmentName(std::string_view env_name) const;
  // True when `name` is a section: some key starts with "name.".
  bool IsSection(std::string_view name) const;
  // The parsed default of a declared key.
  const ConfigValue& DefaultOf(const ConfigKey& key) const;
  // Keys in declaration order. Pointers into it stay valid until the next Add.
  const std::vector<ConfigKey>& keys() const { return keys_; }
  // A Markdown table of every key: name, type, default, variable, description.
  std::string Describe() const;

 private:
  std::vector<ConfigKey> keys_;
  std::vector<ConfigValue> defaults_;  // parallel to keys_
  // Indexes into keys_, so loading stays linear in the size of the input.
  std::map<std::string, size_t, std::less<>> by_name_;
  std::map<std::string, size_t, std::less<>> by_environment_name_;
  std::set<std::string, std::less<>> sections_;
};

// "KELOLA_LOG_LEVEL" for "log.level".
std::string ConfigEnvironmentName(std::string_view key);

// Parses `text` as a value of `key`. The error message names the problem
// but not the source: `expected an integer, got "abc"`.
Result<ConfigValue> ParseConfigText(const ConfigKey& key, std::string_view text);
// Checks allowed values and integer range of an already typed value.
Status CheckConfigValue(const ConfigKey& key, const ConfigValue& value);

Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// The shortest text ParseDuration reads back: "1h30m", "250ms", "0".
std::string FormatDuration(std::chrono::milliseconds d);
// The value as text in the syntax ParseConfigText reads.
std::string FormatConfigValue(const ConfigValue& value);

// `text` in double quotes with control characters escaped and cut to 64
// bytes, for error messages.
std::string QuoteForError(std::string_view text);

}  // namespace kelola
