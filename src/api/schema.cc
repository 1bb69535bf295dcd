#include "api/schema.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean " + v.dump();
    case json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "string " + json(s).dump(-1, ' ', false, json::error_handler_t::replace);
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer " + v.dump();
    case json::value_t::number_float: return "number " + v.dump();
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    default: return "an unsupported value";
  }
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::string Child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

Status Fail(const std::string& path, const std::string& message) {
  return InvalidArgumentError((path.empty() ? std::string("body") : path) + ": " + message);
}

}  // namespace

Schema Schema::Object(std::string description, std::vector<SchemaProperty> props, std::vector<std::string> required) {
  Schema s;
  s.type = Type::kObject;
  s.description = std::move(description);
  s.properties = std::move(props);
  s.required = std::move(required);
  return s;
}

Schema Schema::String(std::string description) {
  Schema s;
  s.type = Type::kString;
  s.description = std::move(description);
  return s;
}

Schema Schema::Integer(std::string description, std::optional<int64_t> min, std::optional<int64_t> max) {
  Schema s;
  s.type = Type::kInteger;
  s.description = std::move(description);
  s.minimum = min;
  s.maximum = max;
  return s;
}

Schema Schema::Boolean(std::string description) {
  Schema s;
  s.type = Type::kBoolean;
  s.description = std::move(description);
  return s;
}

Schema Schema::StringMap(std::string description) {
  Schema s;
  s.type = Type::kStringMap;
  s.description = std::move(description);
  return s;
}

Schema Schema::ArrayOf(std::string description, Schema items) {
  Schema s;
  s.type = Type::kArray;
  s.description = std::move(description);
  s.items = std::make_shared<Schema>(std::move(items));
  return s;
}

bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

Status ValidateAgainstSchema(const Schema& schema, const json& value, const std::string& path) {
  switch (schema.type) {
    case Schema::Type::kAny: return OkStatus();
    case Schema::Type::kString: {
      if (!value.is_string()) return Fail(path, "expected a string, got " + Describe(value));
      const auto& s = value.get_ref<const std::string&>();
      if (schema.max_length && s.size() > schema.max_length) {
        return Fail(path, "longer than " + std::to_string(schema.max_length) + " characters");
      }
      if (!schema.enum_values.empty() &&
          std::find(schema.enum_values.begin(), schema.enum_values.end(), s) == schema.enum_values.end()) {
        return Fail(path, "expected one of " + Join(schema.enum_values, "|") + ", got " + Describe(value));
      }
      if (schema.dns_name && !IsValidName(s)) {
        return Fail(path, "expected a lower-case DNS name ([a-z0-9] with '-' or '.' inside), got " + Describe(value));
      }
      return OkStatus();
    }
    case Schema::Type::kInteger: {
      if (!value.is_number_integer()) return Fail(path, "expected an integer, got " + Describe(value));
      int64_t n = value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX ? INT64_MAX : value.get<int64_t>();
      if ((schema.minimum && n < *schema.minimum) || (schema.maximum && n > *schema.maximum)) {
        std::string range = "between " + (schema.minimum ? std::to_string(*schema.minimum) : "-inf") + " and " +
                            (schema.maximum ? std::to_string(*schema.maximum) : "inf");
        return Fail(path, "expected an integer " + range + ", got " + std::to_string(n));
      }
      return OkStatus();
    }
    case Schema::Type::kBoolean:
      if (!value.is_boolean()) return Fail(path, "expected true or false, got " + Describe(value));
      return OkStatus();
    case Schema::Type::kStringMap:
      if (!value.is_object()) return Fail(path, "expected a map of strings, got " + Describe(value));
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) return Fail(Child(path, k), "expected a string, got " + Describe(v));
      }
      return OkStatus();
    case Schema::Type::kArray: {
      if (!value.is_array()) return Fail(path, "expected an array, got " + Describe(value));
      for (size_t i = 0; i < value.size(); ++i) {
        KELOLA_RETURN_IF_ERROR(ValidateAgainstSchema(*schema.items, value[i], path + "[" + std::to_string(i) + "]"));
      }
      return OkStatus();
    }
    case Schema::Type::kObject: {
      if (!value.is_object()) return Fail(path, "expected an object, got " + Describe(value));
      for (const auto& item : value.items()) {
        const std::string& k = item.key();
        const json& v = item.value();
        auto it = std::find_if(schema.properties.begin(), schema.properties.end(),
                               [&k](const auto& p) { return p.first == k; });
        if (it == schema.properties.end()) {
          std::vector<std::string> known;
          for (const auto& p : schema.properties) known.push_back(p.first);
          return Fail(Child(path, k), "unknown field (known: " + Join(known, ", ") + ")");
        }
        KELOLA_RETURN_IF_ERROR(ValidateAgainstSchema(it->second, v, Child(path, k)));
      }
      for (const auto& r : schema.required) {
        if (!value.contains(r)) return Fail(Child(path, r), "required field is missing");
      }
      return OkStatus();
    }
  }
  return OkStatus();
}

void ApplySchemaDefaults(const Schema& schema, json& value) {
  if (schema.type != Schema::Type::kObject || !value.is_object()) return;
  for (const auto& [k, sub] : schema.properties) {
    if (!value.contains(k)) {
      if (sub.default_json) value[k] = json::parse(*sub.default_json);
    } else {
      ApplySchemaDefaults(sub, value[k]);
    }
  }
}

void StripWriteOnly(const Schema& schema, json& value) {
  if (schema.type != Schema::Type::kObject || !value.is_object()) return;
  for (const auto& [k, sub] : schema.properties) {
    if (!value.contains(k)) continue;
    if (sub.write_only) {
      value.erase(k);
    } else {
      StripWriteOnly(sub, value[k]);
    }
  }
}

json SchemaToOpenApi(const Schema& schema) {
  json out = json::object();
  if (!schema.description.empty()) out["description"] = schema.description;
  switch (schema.type) {
    case Schema::Type::kAny: break;
    case Schema::Type::kString:
      out["type"] = "string";
      if (!schema.enum_values.empty()) out["enum"] = schema.enum_values;
      if (schema.max_length) out["maxLength"] = schema.max_length;
      break;
    case Schema::Type::kInteger:
      out["type"] = "integer";
      if (schema.minimum) out["minimum"] = *schema.minimum;
      if (schema.maximum) out["maximum"] = *schema.maximum;
      break;
    case Schema::Type::kBoolean: out["type"] = "boolean"; break;
    case Schema::Type::kStringMap:
      out["type"] = "object";
      out["additionalProperties"] = {{"type", "string"}};
      break;
    case Schema::Type::kArray:
      out["type"] = "array";
      out["items"] = SchemaToOpenApi(*schema.items);
      break;
    case Schema::Type::kObject: {
      out["type"] = "object";
      out["additionalProperties"] = false;
      json props = json::object();
      for (const auto& [k, sub] : schema.properties) props[k] = SchemaToOpenApi(sub);
      out["properties"] = props;
      if (!schema.required.empty()) out["required"] = schema.required;
      break;
    }
  }
  if (schema.write_only) out["writeOnly"] = true;
  if (schema.default_json) out["default"] = json::parse(*schema.default_json);
  return out;
}

}  // namespace kelola
