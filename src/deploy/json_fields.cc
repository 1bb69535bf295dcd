#include "deploy/json_fields.h"

#include "base/config_schema.h"

namespace kelola::deploy_internal {

using json = nlohmann::json;

Status JsonFields::CheckKeys(std::initializer_list<const char*> known) const {
  if (!doc_.is_object()) return InvalidArgumentError(path_ + " must be an object");
  for (auto it = doc_.begin(); it != doc_.end(); ++it) {
    bool found = false;
    for (const char* k : known) found = found || it.key() == k;
    if (!found) return InvalidArgumentError(Path(it.key()) + ": unknown field");
  }
  return OkStatus();
}

Result<std::string> JsonFields::Text(const char* key, std::string fallback, size_t max_length) const {
  if (!Has(key)) return fallback;
  const json& v = doc_.at(key);
  if (!v.is_string()) return InvalidArgumentError(Path(key) + " must be a string");
  std::string s = v.get<std::string>();
  if (s.size() > max_length) {
    return InvalidArgumentError(Path(key) + " is longer than " + std::to_string(max_length) + " bytes");
  }
  return s;
}

Result<std::string> JsonFields::RequiredText(const char* key, size_t max_length) const {
  KELOLA_ASSIGN_OR_RETURN(std::string s, Text(key, "", max_length));
  if (s.empty()) return InvalidArgumentError(Path(key) + ": required, must not be empty");
  return s;
}

Result<int> JsonFields::Int(const char* key, int fallback, int min, int max) const {
  if (!Has(key)) return fallback;
  const json& v = doc_.at(key);
  if (!v.is_number_integer()) return InvalidArgumentError(Path(key) + " must be an integer");
  // Unsigned values past INT64_MAX read as negative: compare both ways.
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max)) {
    return InvalidArgumentError(Path(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  const int64_t n = v.get<int64_t>();
  if (n < min || n > max) {
    return InvalidArgumentError(Path(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                                ", got " + std::to_string(n));
  }
  return static_cast<int>(n);
}

Result<bool> JsonFields::Bool(const char* key, bool fallback) const {
  if (!Has(key)) return fallback;
  const json& v = doc_.at(key);
  if (!v.is_boolean()) return InvalidArgumentError(Path(key) + " must be true or false");
  return v.get<bool>();
}

Result<Duration> JsonFields::Dur(const char* key, Duration fallback, Duration min, Duration max) const {
  if (!Has(key)) return fallback;
  const json& v = doc_.at(key);
  if (!v.is_string()) return InvalidArgumentError(Path(key) + " must be a duration such as \"10s\"");
  auto d = ParseDuration(v.get<std::string>());
  if (!d.ok()) return InvalidArgumentError(Path(key) + ": " + d.status().message());
  if (*d < min) {
    return InvalidArgumentError(Path(key) + " must be at least " +
                                FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(min)));
  }
  if (*d > std::chrono::duration_cast<std::chrono::milliseconds>(max)) {
    return InvalidArgumentError(Path(key) + " must be at most " +
                                FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(max)));
  }
  return std::chrono::duration_cast<Duration>(*d);
}

Result<std::optional<WallTime>> JsonFields::Time(const char* key) const {
  if (!Has(key)) return std::optional<WallTime>();
  const json& v = doc_.at(key);
  if (!v.is_string()) return InvalidArgumentError(Path(key) + " must be an RFC 3339 time");
  auto t = ParseRfc3339(v.get<std::string>());
  if (!t.ok()) return InvalidArgumentError(Path(key) + ": " + t.status().message());
  return std::optional<WallTime>(*t);
}

Result<json> ParseObject(const std::string& text, const std::string& what) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return InvalidArgumentError(what + " is not valid JSON");
  if (!doc.is_object()) return InvalidArgumentError(what + " must be an object");
  return doc;
}

std::string DurationText(Duration d) {
  return FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

}  // namespace kelola::deploy_internal
