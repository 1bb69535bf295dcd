#include "store/resource_validation.h"

#include <cctype>

#include <nlohmann/json.hpp>

namespace kelola {

namespace {

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Shows a user-supplied string safely inside an error message.
std::string Quote(std::string_view s) {
  nlohmann::json j = std::string(s.substr(0, 80));
  return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Status ValidateKind(std::string_view kind) {
  if (kind.empty()) return InvalidArgumentError("resource kind is empty");
  if (kind.size() > 63) return InvalidArgumentError("resource kind " + Quote(kind) + " is longer than 63 characters");
  if (std::isalpha(static_cast<unsigned char>(kind[0])) == 0) {
    return InvalidArgumentError("resource kind " + Quote(kind) + " must start with a letter");
  }
  for (size_t i = 0; i < kind.size(); ++i) {
    if (!IsAlnum(kind[i])) {
      return InvalidArgumentError("resource kind " + Quote(kind) + " has an invalid character at position " +
                                  std::to_string(i + 1) + " (letters and digits only)");
    }
  }
  return OkStatus();
}

Status ValidateResourceName(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("resource name is empty");
  if (name.size() > 253) return InvalidArgumentError("resource name " + Quote(name) + " is longer than 253 characters");
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c <= ' ' || c >= 0x7f || c == '/' || c == '"' || c == '\'' || c == '\\') {
      return InvalidArgumentError("resource name " + Quote(name) + " has an invalid character at position " +
                                  std::to_string(i + 1) + " (printable ASCII without spaces, quotes, '/' or '\\')");
    }
  }
  return OkStatus();
}

namespace {

Status ValidateLabelKey(std::string_view key) {
  if (key.empty()) return InvalidArgumentError("label key is empty");
  if (key.size() > 253) return InvalidArgumentError("label key " + Quote(key) + " is longer than 253 characters");
  for (char c : key) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-' && c != '/') {
      return InvalidArgumentError("label key " + Quote(key) + " may only contain letters, digits and . _ - /");
    }
  }
  return OkStatus();
}

Status ValidateLabelValue(std::string_view key, std::string_view value) {
  if (value.size() > 63) return InvalidArgumentError("label " + Quote(key) + " has a value longer than 63 characters");
  for (char c : value) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') {
      return InvalidArgumentError("label " + Quote(key) + " has value " + Quote(value) +
                                  ": values may only contain letters, digits and . _ -");
    }
  }
  return OkStatus();
}

}  // namespace

Status ValidateLabels(const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : labels) {
    KELOLA_RETURN_IF_ERROR(ValidateLabelKey(key));
    KELOLA_RETURN_IF_ERROR(ValidateLabelValue(key, value));
  }
  return OkStatus();
}

Status ValidateSelector(const std::vector<LabelRequirement>& selector) {
  using Op = LabelRequirement::Op;
  for (const LabelRequirement& r : selector) {
    KELOLA_RETURN_IF_ERROR(ValidateLabelKey(r.key).WithContext("label selector"));
    const size_t n = r.values.size();
    switch (r.op) {
      case Op::kExists:
      case Op::kNotExists:
        if (n != 0)
          return InvalidArgumentError("label selector: existence test on " + Quote(r.key) + " takes no values");
        break;
      case Op::kEquals:
      case Op::kNotEquals:
        if (n != 1)
          return InvalidArgumentError("label selector: (in)equality on " + Quote(r.key) + " needs exactly one value");
        break;
      case Op::kIn:
      case Op::kNotIn:
        if (n == 0)
          return InvalidArgumentError("label selector: set test on " + Quote(r.key) + " needs at least one value");
        break;
    }
    for (const std::string& v : r.values) {
      KELOLA_RETURN_IF_ERROR(ValidateLabelValue(r.key, v).WithContext("label selector"));
    }
  }
  return OkStatus();
}

Result<std::string> CanonicalJsonObject(std::string_view json, std::string_view field) {
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() carries the byte position of the problem.
    return InvalidArgumentError(std::string(field) + " is not valid JSON: " + e.what());
  }
  if (!parsed.is_object()) {
    return InvalidArgumentError(std::string(field) + " must be a JSON object, got " + parsed.type_name());
  }
  // Replace invalid UTF-8 instead of throwing; the parser rejects most already.
  return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status ValidateResource(const Resource& resource) {
  KELOLA_RETURN_IF_ERROR(ValidateKind(resource.kind));
  KELOLA_RETURN_IF_ERROR(ValidateResourceName(resource.name));
  KELOLA_RETURN_IF_ERROR(ValidateLabels(resource.labels));
  KELOLA_RETURN_IF_ERROR(CanonicalJsonObject(resource.spec_json, "spec").status());
  return CanonicalJsonObject(resource.status_json, "status").status();
}

Status ValidateEvent(const Event& event) {
  if (event.type.empty()) return InvalidArgumentError("event type is empty");
  if (event.type.size() > 200) return InvalidArgumentError("event type is longer than 200 characters");
  return CanonicalJsonObject(event.data_json, "event data").status();
}

Status ValidateToken(const ApiToken& token) {
  if (token.id.empty()) return InvalidArgumentError("token id is empty");
  if (token.id.size() > 128) return InvalidArgumentError("token id is longer than 128 characters");
  for (char c : token.id) {
    if (!IsAlnum(c) && c != '_' && c != '-') {
      return InvalidArgumentError("token id " + Quote(token.id) + " may only contain letters, digits, _ and -");
    }
  }
  if (token.role != "admin" && token.role != "operator" && token.role != "viewer") {
    return InvalidArgumentError("token role " + Quote(token.role) + " is not one of admin, operator, viewer");
  }
  // Refusing anything but a SHA-256 hex digest keeps a plain secret from
  // being stored here by mistake.
  bool hex = token.secret_hash.size() == 64;
  for (char c : token.secret_hash) hex = hex && std::isxdigit(static_cast<unsigned char>(c)) != 0;
  if (!hex) return InvalidArgumentError("token secret_hash must be a hex SHA-256 digest (64 hex digits)");
  return OkStatus();
}

std::string LabelsToJson(const std::map<std::string, std::string>& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : labels) j[key] = value;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::map<std::string, std::string>> LabelsFromJson(std::string_view json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object())
    return DataLossError("stored labels are not a JSON object: " + std::string(json.substr(0, 80)));
  std::map<std::string, std::string> labels;
  for (const auto& [key, value] : parsed.items()) {
    if (!value.is_string()) return DataLossError("stored label " + key + " is not a string");
    labels[key] = value.get<std::string>();
  }
  return labels;
}

}  // namespace kelola
