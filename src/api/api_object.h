// ApiObject: the wire shape of a resource and its conversions.
//
//   {"apiVersion":"kelola.io/v1","kind":"Host",
//    "metadata":{"name","labels","resourceVersion","generation","createdAt","updatedAt"},
//    "spec":{...},"status":{...}}
//
// Decoding is strict (unknown fields are errors naming the field) and is the
// first thing every body from outside goes through; it has a fuzzer
// (fuzz/api_body_fuzz.cc). The same shape is accepted in YAML by the CLI.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/kinds.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kApiVersion = "kelola.io/v1";

struct ApiObject {
  std::string kind;
  std::string name;
  std::map<std::string, std::string> labels;
  std::optional<int64_t> resource_version;  // precondition for the write, when given
  nlohmann::json spec = nlohmann::json::object();
};

// Parses a JSON body; errors say where ("invalid JSON at line 2, column 7: ...").
Result<nlohmann::json> ParseJsonBody(std::string_view body);

// Parses one or more YAML documents ("---" separated) into JSON values.
// Errors read "<source>:<line>:<column>: <message>". Each returned document
// carries the 1-based line it started on in `start_lines`.
struct YamlDocuments {
  std::vector<nlohmann::json> docs;
  std::vector<int> start_lines;
};
Result<YamlDocuments> ParseYamlDocuments(std::string_view text, const std::string& source);

// Validates and decodes a resource document for `kind`. `path_name` is the
// name from the URL: the body's metadata.name must be absent or equal.
// Applies schema defaults to spec.
Result<ApiObject> DecodeApiObject(const nlohmann::json& doc, const KindInfo& kind, const std::string& path_name);

// Renders a stored resource in wire shape; write-only fields are removed.
nlohmann::json EncodeResource(const Resource& resource, const KindInfo& kind);

// Labels must be valid keys ([prefix/]name, <= 63 chars for name) and values.
Status ValidateLabels(const std::map<std::string, std::string>& labels, const std::string& path);

}  // namespace kelola
