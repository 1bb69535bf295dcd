// Schema: a small declarative description of a JSON document (a subset of
// JSON Schema / OpenAPI 3) used for two things from one source of truth:
// validating request bodies with errors that name the field, and rendering
// the OpenAPI document.
//
// Objects are closed: a property not declared is an error ("unknown field"),
// so a typo never silently does nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"

namespace kelola {

struct SchemaProperty;

struct Schema {
  enum class Type { kObject, kString, kInteger, kBoolean, kArray, kStringMap, kAny };

  Type type = Type::kAny;
  std::string description;
  // kObject
  std::vector<SchemaProperty> properties;  // in declaration order
  std::vector<std::string> required;
  // kString
  std::vector<std::string> enum_values;
  size_t max_length = 0;  // 0 = no limit
  bool dns_name = false;  // RFC 1123 label/subdomain: [a-z0-9]([-a-z0-9.]*[a-z0-9])?
  // kInteger
  std::optional<int64_t> minimum;
  std::optional<int64_t> maximum;
  // kArray
  std::shared_ptr<Schema> items;
  // Accepted on input but never returned by the API (secret values).
  bool write_only = false;
  std::optional<std::string> default_json;  // a JSON literal, for docs and defaults

  static Schema Object(std::string description, std::vector<SchemaProperty> props,
                       std::vector<std::string> required = {});
  static Schema String(std::string description);
  static Schema Integer(std::string description, std::optional<int64_t> min = std::nullopt,
                        std::optional<int64_t> max = std::nullopt);
  static Schema Boolean(std::string description);
  static Schema StringMap(std::string description);
  static Schema ArrayOf(std::string description, Schema items);
};

// A named property of an object schema (a struct rather than std::pair so
// that the recursive type is well-formed for every standard library).
struct SchemaProperty {
  std::string first;  // the property's name
  Schema second;
};

// Validates `value` against `schema`. `path` prefixes field names in errors,
// e.g. "spec" gives "spec.port: expected an integer, got string \"x\"".
Status ValidateAgainstSchema(const Schema& schema, const nlohmann::json& value, const std::string& path);

// Fills declared defaults for absent object properties (recursively).
void ApplySchemaDefaults(const Schema& schema, nlohmann::json& value);

// Removes write-only properties (recursively) before a document leaves the API.
void StripWriteOnly(const Schema& schema, nlohmann::json& value);

// The schema rendered as an OpenAPI 3 schema object.
nlohmann::json SchemaToOpenApi(const Schema& schema);

// True when `name` is a valid resource name (RFC 1123 subdomain, <= 253).
bool IsValidName(const std::string& name);

}  // namespace kelola
