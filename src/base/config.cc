#include "base/config.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "base/edit_distance.h"

extern char** environ;

namespace kelola {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kelola config: %s\n", message.c_str());
  std::abort();
}

// " (did you mean X?)" for the closest candidate within a few edits, else "".
std::string Suggestion(std::string_view name, const std::vector<std::string>& candidates, bool quote) {
  constexpr size_t kLongestWorthComparing = 128;
  if (name.size() > kLongestWorthComparing) return "";
  size_t limit = std::clamp<size_t>(name.size() / 3, 1, 3);
  const std::string* best = nullptr;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    size_t d = EditDistance(name, candidate);
    if (d < best_distance) {
      best = &candidate;
      best_distance = d;
    }
  }
  if (best == nullptr) return "";
  return quote ? fmt::format(" (did you mean \"{}\"?)", *best) : fmt::format(" (did you mean {}?)", *best);
}

std::string_view ExpectedWhat(ConfigType type) {
  switch (type) {
    case ConfigType::kString: return "a string";
    case ConfigType::kInt: return "an integer";
    case ConfigType::kBool: return "a boolean";
    case ConfigType::kDuration: return "a duration";
    case ConfigType::kStringList: return "a list of strings";
    case ConfigType::kObjectList: return "a list of mappings";
  }
  return "a value";
}

std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return QuoteForError(node.Scalar());
    default: return "an empty value";
  }
}

Result<std::string> ReadConfigFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    int err = errno;
    std::string message =
        fmt::format("config file {}: {}", path, std::error_code(err, std::generic_category()).message());
    if (err == ENOENT || err == ENOTDIR) return NotFoundError(message);
    if (err == EACCES || err == EPERM) return PermissionDeniedError(message);
    return UnavailableError(message);
  }
  std::string text;
  char buffer[64 * 1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    text.append(buffer, n);
    if (text.size() > kMaxConfigFileBytes) break;
  }
  int err = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (err != 0) {
    return UnavailableError(
        fmt::format("config file {}: {}", path, std::error_code(err, std::generic_category()).message()));
  }
  return text;
}

}  // namespace

// Applies the layers in order onto the schema's defaults.
class ConfigLoader {
 public:
  explicit ConfigLoader(const ConfigSchema& schema) : schema_(schema) {
    for (const ConfigKey& key : schema.keys()) Set(key, schema.DefaultOf(key), "default");
  }

  Status LoadYaml(std::string_view text, std::string_view display_name) {
    display_ = display_name;
    if (text.size() > kMaxConfigFileBytes) {
      return InvalidArgumentError(fmt::format("{}: larger than {} bytes", display_, kMaxConfigFileBytes));
    }
    try {
      YAML::Node root = YAML::Load(std::string(text));
      if (!root.IsDefined() || root.IsNull()) return OkStatus();  // empty or comments only
      if (!root.IsMap()) {
        return Fail(root.Mark(), fmt::format("expected a mapping of config keys, got {}", DescribeNode(root)));
      }
      return WalkMap(root, "");
    } catch (const YAML::Exception& e) {  // syntax errors, nesting too deep, ...
      return Fail(e.mark, e.msg);
    } catch (const std::exception& e) {
      return InvalidArgumentError(fmt::format("{}: {}", display_, e.what()));
    }
  }

  Status LoadEnvironment(const std::map<std::string, std::string>& env) {
    for (const auto& [name, text] : env) {
      std::string source = "environment " + name;
      const ConfigKey* key = schema_.FindByEnvironmentName(name);
      if (key == nullptr) {
        std::vector<std::string> candidates;
        for (const ConfigKey& k : schema_.keys()) candidates.push_back(ConfigEnvironmentName(k.name));
        return InvalidArgumentError(fmt::format("{}: unknown key{}", source, Suggestion(name, candidates, false)));
      }
      KELOLA_RETURN_IF_ERROR(SetFromText(*key, text, source));
    }
    return OkStatus();
  }

  Status LoadFlags(const std::map<std::string, std::string>& flags) {
    for (const auto& [name, text] : flags) {
      std::string source = "flag --" + name;
      const ConfigKey* key = schema_.Find(name);
      if (key == nullptr) {
        std::vector<std::string> candidates;
        for (const ConfigKey& k : schema_.keys()) candidates.push_back("--" + k.name);
        return InvalidArgumentError(
            fmt::format("{}: unknown key{}", source, Suggestion("--" + name, candidates, false)));
      }
      KELOLA_RETURN_IF_ERROR(SetFromText(*key, text, source));
    }
    return OkStatus();
  }

  Status LoadObject(const ConfigObject& object) {
    for (const auto& [name, field] : object.fields) {
      const ConfigKey* key = schema_.Find(name);
      if (key == nullptr) {
        std::vector<std::string> candidates;
        for (const ConfigKey& k : schema_.keys()) candidates.push_back(k.name);
        return InvalidArgumentError(
            fmt::format("{}: unknown key {}{}", field.source, QuoteForError(name), Suggestion(name, candidates, true)));
      }
      KELOLA_RETURN_IF_ERROR(SetFromText(*key, field.text, field.source));
    }
    return OkStatus();
  }

  Config Finish() && {
    Config config;
    config.entries_ = std::make_shared<const std::map<std::string, Config::Entry, std::less<>>>(std::move(entries_));
    return config;
  }

 private:
  std::string Position(const YAML::Mark& mark) const {
    if (mark.is_null()) return display_;
    return fmt::format("{}:{}:{}", display_, mark.line + 1, mark.column + 1);
  }

  Status Fail(const YAML::Mark& mark, std::string_view message) const {
    return InvalidArgumentError(fmt::format("{}: {}", Position(mark), message));
  }

  void Set(const ConfigKey& key, ConfigValue value, std::string source) {
    entries_[key.name] = Config::Entry{key.type, std::move(value), std::move(source), key.secret};
  }

  Status SetFromText(const ConfigKey& key, std::string_view text, const std::string& source) {
    auto value = ParseConfigText(key, text);
    if (!value.ok()) {
      return InvalidArgumentError(fmt::format("{}: {}: {}", source, key.name, value.status().message()));
    }
    Set(key, std::move(value).value(), source);
    return OkStatus();
  }

  // Records where a key or section was first written so a second one (YAML
  // duplicate, or "log.level" beside "log: {level}") is an error.
  Status MarkSeen(const std::string& name, const YAML::Node& key_node) {
    auto [it, inserted] = seen_.emplace(name, key_node.Mark());
    if (inserted) return OkStatus();
    return Fail(key_node.Mark(), fmt::format("duplicate key {} (first set at {}:{})", QuoteForError(name),
                                             it->second.line + 1, it->second.column + 1));
  }

  Status WalkMap(const YAML::Node& map, const std::string& prefix) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies, not references: the iterator's operator-> returns a
      // temporary pair, and Node is a cheap handle.
      const YAML::Node key_node = it->first;
      const YAML::Node value_node = it->second;
      if (!key_node.IsScalar()) {
        return Fail(key_node.Mark(), fmt::format("expected a key name, got {}", DescribeNode(key_node)));
      }
      std::string name = prefix + key_node.Scalar();
      // An empty value ("listen:") is marked at the next token, often on the
      // next line; the key is where the reader should look.
      YAML::Mark value_mark = value_node.IsNull() || value_node.Mark().is_null() ? key_node.Mark() : value_node.Mark();
      if (const ConfigKey* key = schema_.Find(name)) {
        KELOLA_RETURN_IF_ERROR(MarkSeen(name, key_node));
        auto value = ValueFromNode(*key, value_node);
        if (!value.ok()) {
          return Fail(value_mark, fmt::format("{}: {}", name, value.status().message()));
        }
        Set(*key, std::move(value).value(), Position(value_mark));
        continue;
      }
      if (schema_.IsSection(name)) {
        KELOLA_RETURN_IF_ERROR(MarkSeen(name, key_node));
        if (!value_node.IsMap()) {
          return Fail(value_mark,
                      fmt::format("{}: expected a mapping of {}.* keys, got {}", name, name, DescribeNode(value_node)));
        }
        KELOLA_RETURN_IF_ERROR(WalkMap(value_node, name + "."));
        continue;
      }
      return Fail(key_node.Mark(),
                  fmt::format("unknown key {}{}", QuoteForError(name), Suggestion(name, FileCandidates(), true)));
    }
    return OkStatus();
  }

  // Key names and their sections ("log" for "log.level"), since a misspelt
  // section is as likely as a misspelt key.
  std::vector<std::string> FileCandidates() const {
    std::vector<std::string> out;
    for (const ConfigKey& key : schema_.keys()) {
      out.push_back(key.name);
      for (size_t dot = key.name.find('.'); dot != std::string::npos; dot = key.name.find('.', dot + 1)) {
        out.push_back(key.name.substr(0, dot));
      }
    }
    return out;
  }

  // Flattens one mapping item of an `objects` key into dotted scalar fields.
  Status FlattenObject(const YAML::Node& map, const std::string& prefix, ConfigObject& out) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key_node = it->first;
      const YAML::Node value_node = it->second;
      if (!key_node.IsScalar()) {
        return Fail(key_node.Mark(), fmt::format("expected a key name, got {}", DescribeNode(key_node)));
      }
      std::string name = prefix + key_node.Scalar();
      if (value_node.IsMap()) {
        KELOLA_RETURN_IF_ERROR(FlattenObject(value_node, name + ".", out));
        continue;
      }
      YAML::Mark mark = value_node.IsNull() || value_node.Mark().is_null() ? key_node.Mark() : value_node.Mark();
      std::string text;
      if (value_node.IsSequence()) {
        for (const YAML::Node& item : value_node) {
          if (!item.IsScalar()) {
            return Fail(mark,
                        fmt::format("{}: expected a list of strings, got {} as an item", name, DescribeNode(item)));
          }
          text += (text.empty() ? "" : ",") + item.Scalar();
        }
      } else if (value_node.IsScalar()) {
        text = value_node.Scalar();
      }
      auto [pos, inserted] = out.fields.emplace(name, ConfigObject::Field{text, Position(mark)});
      if (!inserted) return Fail(key_node.Mark(), fmt::format("duplicate key {}", QuoteForError(name)));
    }
    return OkStatus();
  }

  Result<ConfigValue> ValueFromNode(const ConfigKey& key, const YAML::Node& node) const {
    if (key.type == ConfigType::kObjectList) {
      std::vector<ConfigObject> items;
      if (node.IsNull()) return ConfigValue(std::move(items));
      if (!node.IsSequence()) {
        return InvalidArgumentError(fmt::format("expected a list of mappings, got {}", DescribeNode(node)));
      }
      for (const YAML::Node& item : node) {
        if (!item.IsMap()) {
          return InvalidArgumentError(
              fmt::format("expected a list of mappings, got {} as an item", DescribeNode(item)));
        }
        ConfigObject object;
        object.source = Position(item.Mark());
        KELOLA_RETURN_IF_ERROR(FlattenObject(item, "", object));
        items.push_back(std::move(object));
      }
      return ConfigValue(std::move(items));
    }
    if (key.type == ConfigType::kStringList) {
      if (!node.IsSequence()) {
        return InvalidArgumentError(fmt::format("expected a list of strings, got {}", DescribeNode(node)));
      }
      std::vector<std::string> items;
      for (const YAML::Node& item : node) {
        if (!item.IsScalar()) {
          return InvalidArgumentError(fmt::format("expected a list of strings, got {} as an item", DescribeNode(item)));
        }
        items.push_back(item.Scalar());
      }
      ConfigValue value = std::move(items);
      KELOLA_RETURN_IF_ERROR(CheckConfigValue(key, value));
      return value;
    }
    if (!node.IsScalar()) {
      return InvalidArgumentError(fmt::format("expected {}, got {}", ExpectedWhat(key.type), DescribeNode(node)));
    }
    return ParseConfigText(key, node.Scalar());
  }

  const ConfigSchema& schema_;
  std::map<std::string, Config::Entry, std::less<>> entries_;
  std::string display_;
  std::map<std::string, YAML::Mark> seen_;
};

const std::set<std::string>& NonConfigEnvironmentNames() {
  static const std::set<std::string> names = {"KELOLA_TOKEN", "KELOLA_SERVER", "KELOLA_CONFIG", "KELOLA_BINARY",
                                              "KELOLA_SOURCE_DIR"};
  return names;
}

std::map<std::string, std::string> KelolaEnvironment(const std::set<std::string>& exclude) {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(text.substr(0, eq));
    if (!name.starts_with("KELOLA_") || exclude.count(name) > 0) continue;
    out.emplace(std::move(name), std::string(text.substr(eq + 1)));
  }
  return out;
}

const Config::Entry& Config::Lookup(std::string_view key, ConfigType type) const {
  if (!entries_) Die(fmt::format("key \"{}\" read from a Config that was never loaded", key));
  auto it = entries_->find(key);
  if (it == entries_->end()) Die(fmt::format("key \"{}\" is not declared in the schema", key));
  if (it->second.type != type) {
    Die(fmt::format("key \"{}\" is a {}, read as a {}", key, ConfigTypeName(it->second.type), ConfigTypeName(type)));
  }
  return it->second;
}

std::string Config::GetString(std::string_view key) const {
  return std::get<std::string>(Lookup(key, ConfigType::kString).value);
}

int64_t Config::GetInt(std::string_view key) const { return std::get<int64_t>(Lookup(key, ConfigType::kInt).value); }

bool Config::GetBool(std::string_view key) const { return std::get<bool>(Lookup(key, ConfigType::kBool).value); }

std::chrono::milliseconds Config::GetDuration(std::string_view key) const {
  return std::get<std::chrono::milliseconds>(Lookup(key, ConfigType::kDuration).value);
}

std::vector<std::string> Config::GetList(std::string_view key) const {
  return std::get<std::vector<std::string>>(Lookup(key, ConfigType::kStringList).value);
}

std::vector<ConfigObject> Config::GetObjects(std::string_view key) const {
  return std::get<std::vector<ConfigObject>>(Lookup(key, ConfigType::kObjectList).value);
}

Result<Config> LoadConfigFromObject(const ConfigSchema& schema, const ConfigObject& object) {
  ConfigLoader loader(schema);
  KELOLA_RETURN_IF_ERROR(loader.LoadObject(object));
  return std::move(loader).Finish();
}

std::string Config::SourceOf(std::string_view key) const {
  if (!entries_) Die(fmt::format("key \"{}\" read from a Config that was never loaded", key));
  auto it = entries_->find(key);
  if (it == entries_->end()) Die(fmt::format("key \"{}\" is not declared in the schema", key));
  return it->second.source;
}

std::string Config::Dump() const {
  std::string out;
  if (!entries_) return out;
  for (const auto& [name, entry] : *entries_) {
    out += fmt::format("{} = {}  # {}\n", name, entry.secret ? "<redacted>" : FormatConfigValue(entry.value),
                       entry.source);
  }
  return out;
}

Result<Config> LoadConfigFromString(const ConfigSchema& schema, std::string_view yaml_text,
                                    std::string_view display_name, const std::map<std::string, std::string>& env,
                                    const std::map<std::string, std::string>& flags) {
  ConfigLoader loader(schema);
  KELOLA_RETURN_IF_ERROR(loader.LoadYaml(yaml_text, display_name));
  KELOLA_RETURN_IF_ERROR(loader.LoadEnvironment(env));
  KELOLA_RETURN_IF_ERROR(loader.LoadFlags(flags));
  return std::move(loader).Finish();
}

Result<Config> LoadConfig(const ConfigSchema& schema, const std::string& yaml_path,
                          const std::map<std::string, std::string>& env,
                          const std::map<std::string, std::string>& flags) {
  std::string text;
  if (!yaml_path.empty()) {
    KELOLA_ASSIGN_OR_RETURN(text, ReadConfigFile(yaml_path));
  }
  return LoadConfigFromString(schema, text, yaml_path, env, flags);
}

}  // namespace kelola
