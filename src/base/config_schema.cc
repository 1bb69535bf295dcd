#include "base/config_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace kelola {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kelola config schema: %s\n", message.c_str());
  std::abort();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  char prev = 0;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

std::string Got(const ConfigKey& key, std::string_view text) {
  return key.secret ? "got a value that is not shown (secret)" : "got " + QuoteForError(text);
}

Result<int64_t> ParseInt(const ConfigKey& key, std::string_view text) {
  std::string_view t = Trim(text);
  if (t.size() > 1 && t.front() == '+' && t[1] >= '0' && t[1] <= '9') t.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
    return InvalidArgumentError(fmt::format("expected an integer, {}", Got(key, text)));
  }
  return v;
}

Result<bool> ParseBool(const ConfigKey& key, std::string_view text) {
  std::string t = Lower(Trim(text));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return InvalidArgumentError(fmt::format("expected a boolean (true|false|yes|no|on|off|1|0), {}", Got(key, text)));
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  if (Trim(text).empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    out.emplace_back(Trim(item));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string EscapeMarkdownCell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string_view ConfigTypeName(ConfigType type) {
  switch (type) {
    case ConfigType::kString: return "string";
    case ConfigType::kInt: return "int";
    case ConfigType::kBool: return "bool";
    case ConfigType::kDuration: return "duration";
    case ConfigType::kStringList: return "list";
    case ConfigType::kObjectList: return "objects";
  }
  return "unknown";
}

std::string QuoteForError(std::string_view text) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  if (text.size() > kMaxShown) out += "...";
  return out;
}

std::string ConfigEnvironmentName(std::string_view key) {
  std::string out = "KELOLA_";
  for (char c : key) {
    out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto error = [&] {
    return InvalidArgumentError(fmt::format("expected a duration like 30s, 5m or 1h30m, got {}", QuoteForError(text)));
  };
  std::string_view t = Trim(text);
  if (t == "0") return std::chrono::milliseconds(0);
  if (t.empty()) return error();
  // Bounded well below int64 so the sum of parts cannot overflow either.
  constexpr int64_t kMaxMillis = std::numeric_limits<int64_t>::max() / 4;
  int64_t total = 0;
  while (!t.empty()) {
    size_t digits = 0;
    while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
    if (digits == 0) return error();
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + digits, n);
    if (ec != std::errc()) return error();
    t.remove_prefix(digits);
    size_t unit_len = 0;
    while (unit_len < t.size() && std::isalpha(static_cast<unsigned char>(t[unit_len]))) ++unit_len;
    std::string_view unit = t.substr(0, unit_len);
    t.remove_prefix(unit_len);
    int64_t scale;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60 * 1000;
    } else if (unit == "h") {
      scale = 3600 * 1000;
    } else if (unit == "d") {
      scale = 24 * 3600 * 1000;
    } else {
      return error();
    }
    if (n > (kMaxMillis - total) / scale) return error();
    total += n * scale;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  static constexpr std::pair<int64_t, std::string_view> kUnits[] = {
      {24 * 3600 * 1000, "d"}, {3600 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [scale, unit] : kUnits) {
    if (ms >= scale) {
      out += fmt::format("{}{}", ms / scale, unit);
      ms %= scale;
    }
  }
  return out;
}

std::string FormatConfigValue(const ConfigValue& value) {
  switch (value.index()) {
    case 0: return std::get<std::string>(value);
    case 1: return std::to_string(std::get<int64_t>(value));
    case 2: return std::get<bool>(value) ? "true" : "false";
    case 3: return FormatDuration(std::get<std::chrono::milliseconds>(value));
    case 4: return fmt::format("{}", fmt::join(std::get<std::vector<std::string>>(value), ","));
    // Items may hold secrets (passwords of sinks): only their number is shown.
    default: return fmt::format("<{} items>", std::get<std::vector<ConfigObject>>(value).size());
  }
}

Status CheckConfigValue(const ConfigKey& key, const ConfigValue& value) {
  auto check_allowed = [&](const std::string& s) -> Status {
    if (key.allowed.empty() || std::find(key.allowed.begin(), key.allowed.end(), s) != key.allowed.end()) {
      return OkStatus();
    }
    return InvalidArgumentError(fmt::format("expected one of {}, {}", fmt::join(key.allowed, "|"), Got(key, s)));
  };
  if (const auto* s = std::get_if<std::string>(&value)) return check_allowed(*s);
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    for (const std::string& item : *list) KELOLA_RETURN_IF_ERROR(check_allowed(item));
    return OkStatus();
  }
  if (const auto* n = std::get_if<int64_t>(&value)) {
    bool low = key.min && *n < *key.min;
    bool high = key.max && *n > *key.max;
    if (!low && !high) return OkStatus();
    std::string shown = Got(key, std::to_string(*n));
    if (key.min && key.max) {
      return InvalidArgumentError(fmt::format("expected an integer from {} to {}, {}", *key.min, *key.max, shown));
    }
    return InvalidArgumentError(low ? fmt::format("expected an integer >= {}, {}", *key.min, shown)
                                    : fmt::format("expected an integer <= {}, {}", *key.max, shown));
  }
  return OkStatus();
}

Result<ConfigValue> ParseConfigText(const ConfigKey& key, std::string_view text) {
  ConfigValue value;
  switch (key.type) {
    case ConfigType::kString: value = std::string(text); break;
    case ConfigType::kInt: {
      KELOLA_ASSIGN_OR_RETURN(int64_t n, ParseInt(key, text));
      value = n;
      break;
    }
    case ConfigType::kBool: {
      KELOLA_ASSIGN_OR_RETURN(bool b, ParseBool(key, text));
      value = b;
      break;
    }
    case ConfigType::kDuration: {
      auto d = ParseDuration(text);
      if (!d.ok()) {
        if (!key.secret) return d.status();
        return InvalidArgumentError(fmt::format("expected a duration like 30s, 5m or 1h30m, {}", Got(key, text)));
      }
      value = *d;
      break;
    }
    case ConfigType::kStringList: value = SplitList(text); break;
    case ConfigType::kObjectList:
      if (!text.empty()) {
        return InvalidArgumentError("expected a list of mappings, which only the config file can give");
      }
      value = std::vector<ConfigObject>{};
      break;
  }
  KELOLA_RETURN_IF_ERROR(CheckConfigValue(key, value));
  return value;
}

void ConfigSchema::Add(ConfigKey key) {
  if (!IsValidKeyName(key.name)) {
    Die(fmt::format("invalid key name {} (want dotted [a-z0-9_]+ segments)", QuoteForError(key.name)));
  }
  std::string env = ConfigEnvironmentName(key.name);
  if (by_name_.count(key.name) > 0) Die(fmt::format("key \"{}\" declared twice", key.name));
  if (auto it = by_environment_name_.find(env); it != by_environment_name_.end()) {
    Die(fmt::format("keys \"{}\" and \"{}\" share the variable {}", keys_[it->second].name, key.name, env));
  }
  if (sections_.count(key.name) > 0) {
    Die(fmt::format("key \"{}\" is also a section of other keys", key.name));
  }
  for (size_t dot = key.name.find('.'); dot != std::string::npos; dot = key.name.find('.', dot + 1)) {
    if (by_name_.count(key.name.substr(0, dot)) > 0) {
      Die(fmt::format("key \"{}\" is inside key \"{}\"", key.name, key.name.substr(0, dot)));
    }
  }
  if (!key.allowed.empty() && key.type != ConfigType::kString && key.type != ConfigType::kStringList) {
    Die(fmt::format("key \"{}\": allowed values need a string or list type", key.name));
  }
  if ((key.min || key.max) && key.type != ConfigType::kInt) {
    Die(fmt::format("key \"{}\": min/max need the int type", key.name));
  }
  auto parsed = ParseConfigText(key, key.default_value);
  if (!parsed.ok()) {
    Die(fmt::format("key \"{}\": bad default: {}", key.name, parsed.status().message()));
  }
  size_t index = keys_.size();
  by_name_.emplace(key.name, index);
  by_environment_name_.emplace(std::move(env), index);
  for (size_t dot = key.name.find('.'); dot != std::string::npos; dot = key.name.find('.', dot + 1)) {
    sections_.insert(key.name.substr(0, dot));
  }
  keys_.push_back(std::move(key));
  defaults_.push_back(std::move(parsed).value());
}

const ConfigKey* ConfigSchema::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &keys_[it->second];
}

const ConfigKey* ConfigSchema::FindByEnvironmentName(std::string_view env_name) const {
  auto it = by_environment_name_.find(env_name);
  return it == by_environment_name_.end() ? nullptr : &keys_[it->second];
}

bool ConfigSchema::IsSection(std::string_view name) const { return sections_.count(name) > 0; }

const ConfigValue& ConfigSchema::DefaultOf(const ConfigKey& key) const {
  auto it = by_name_.find(key.name);
  if (it == by_name_.end()) Die(fmt::format("key \"{}\" is not declared", key.name));
  return defaults_[it->second];
}

std::string ConfigSchema::Describe() const {
  std::string out =
      "| Key | Type | Default | Environment | Description |\n"
      "|---|---|---|---|---|\n";
  for (const ConfigKey& key : keys_) {
    std::string shown_default;
    if (key.secret) {
      shown_default = "(secret)";
    } else if (key.default_value.empty()) {
      shown_default = "(empty)";
    } else {
      shown_default = "`" + EscapeMarkdownCell(key.default_value) + "`";
    }
    std::string description = EscapeMarkdownCell(key.description);
    if (!key.allowed.empty()) {
      description += fmt::format(" One of: {}.", EscapeMarkdownCell(fmt::format("{}", fmt::join(key.allowed, ", "))));
    }
    if (key.min || key.max) {
      description += fmt::format(" Range: {} to {}.", key.min ? std::to_string(*key.min) : "-inf",
                                 key.max ? std::to_string(*key.max) : "+inf");
    }
    out += fmt::format("| `{}` | {} | {} | `{}` | {} |\n", key.name, ConfigTypeName(key.type), shown_default,
                       ConfigEnvironmentName(key.name), description);
  }
  return out;
}

}  // namespace kelola
