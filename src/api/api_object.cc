#include "api/api_object.h"

#include <cctype>
#include <charconv>

#include <yaml-cpp/yaml.h>

#include "base/clock.h"

namespace kelola {
namespace {

using json = nlohmann::json;

// True when `s` is well-formed UTF-8 (JSON, and so the API, carries only that).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

// Renders a value for an error message; never throws, whatever the bytes.
std::string Show(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

bool IsLabelNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; }

bool IsValidLabelPart(std::string_view s, size_t max, bool allow_empty) {
  if (s.empty()) return allow_empty;
  if (s.size() > max) return false;
  if (!std::isalnum(static_cast<unsigned char>(s.front())) || !std::isalnum(static_cast<unsigned char>(s.back())))
    return false;
  for (char c : s) {
    if (!IsLabelNameChar(c)) return false;
  }
  return true;
}

// YAML aliases can make a small file expand into an exponentially large
// tree ("billion laughs"); depth and node count are bounded.
constexpr int kMaxYamlDepth = 64;
constexpr size_t kMaxYamlNodes = 100'000;

Result<json> YamlToJson(const YAML::Node& node, const std::string& source, int depth, size_t& budget) {
  auto where = [&](const YAML::Node& n) {
    return source + ":" + std::to_string(n.Mark().line + 1) + ":" + std::to_string(n.Mark().column + 1);
  };
  if (depth > kMaxYamlDepth) return InvalidArgumentError(where(node) + ": nested deeper than 64 levels");
  if (budget == 0) {
    return InvalidArgumentError(where(node) + ": document expands to more than 100000 values (aliases?)");
  }
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (!IsValidUtf8(s)) return InvalidArgumentError(where(node) + ": text is not valid UTF-8");
      if (node.Tag() == "!") return json(s);  // quoted: always a string
      if (s == "true" || s == "True" || s == "TRUE") return json(true);
      if (s == "false" || s == "False" || s == "FALSE") return json(false);
      if (s == "~" || s == "null" || s == "Null" || s == "NULL") return json(nullptr);
      int64_t i = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return json(i);
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size() &&
          (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.')) {
        return json(d);
      }
      return json(s);
    }
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& child : node) {
        KELOLA_ASSIGN_OR_RETURN(json v, YamlToJson(child, source, depth + 1, budget));
        arr.push_back(std::move(v));
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return InvalidArgumentError(where(kv.first) + ": map keys must be strings");
        const std::string& key = kv.first.Scalar();
        if (!IsValidUtf8(key)) return InvalidArgumentError(where(kv.first) + ": key is not valid UTF-8");
        if (obj.contains(key)) return InvalidArgumentError(where(kv.first) + ": duplicate key \"" + key + "\"");
        KELOLA_ASSIGN_OR_RETURN(json v, YamlToJson(kv.second, source, depth + 1, budget));
        obj[key] = std::move(v);
      }
      return obj;
    }
  }
  return json(nullptr);
}

Result<std::optional<int64_t>> DecodeResourceVersion(const json& v) {
  if (v.is_null()) return std::optional<int64_t>();
  if (v.is_number_integer()) return std::optional<int64_t>(v.get<int64_t>());
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty()) return std::optional<int64_t>();
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && p == s.data() + s.size() && n >= 0) return std::optional<int64_t>(n);
  }
  return InvalidArgumentError("metadata.resourceVersion: expected a non-negative integer (or its string), got " +
                              Show(v));
}

}  // namespace

Result<json> ParseJsonBody(std::string_view body) {
  if (body.empty()) return InvalidArgumentError("body: empty; expected a JSON object");
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Re-parse with exceptions only on the error path to get the position.
    try {
      json unused = json::parse(body);
      (void)unused;
    } catch (const json::parse_error& e) {
      // e.byte is 1-based; count lines for a human position.
      size_t byte = e.byte == 0 ? 0 : e.byte - 1;
      size_t line = 1, col = 1;
      for (size_t i = 0; i < byte && i < body.size(); ++i) {
        if (body[i] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
      }
      std::string what = e.what();
      auto pos = what.rfind(": ");
      return InvalidArgumentError("invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) +
                                  ": " + (pos == std::string::npos ? what : what.substr(pos + 2)));
    } catch (const std::exception& e) {
      return InvalidArgumentError(std::string("invalid JSON: ") + e.what());
    }
    return InvalidArgumentError("invalid JSON");
  }
  return doc;
}

Result<YamlDocuments> ParseYamlDocuments(std::string_view text, const std::string& source) {
  YamlDocuments out;
  // JSON is YAML too; a JSON file takes the strict JSON parser, not yaml-cpp.
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_discarded()) {
      out.docs.push_back(std::move(doc));
      out.start_lines.push_back(1);
      return out;
    }
  }
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
    for (const auto& n : nodes) {
      if (n.IsNull()) continue;  // empty document between separators
      size_t budget = kMaxYamlNodes;
      KELOLA_ASSIGN_OR_RETURN(json doc, YamlToJson(n, source, 0, budget));
      out.docs.push_back(std::move(doc));
      out.start_lines.push_back(n.Mark().line + 1);
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(source + ": " + e.what());
  }
  return out;
}

Status ValidateLabels(const std::map<std::string, std::string>& labels, const std::string& path) {
  for (const auto& [k, v] : labels) {
    std::string_view key = k, prefix;
    if (auto slash = key.find('/'); slash != std::string_view::npos) {
      prefix = key.substr(0, slash);
      key = key.substr(slash + 1);
      if (!IsValidName(std::string(prefix))) {
        return InvalidArgumentError(path + "." + k + ": label key prefix must be a DNS name");
      }
    }
    if (!IsValidLabelPart(key, 63, false)) {
      return InvalidArgumentError(
          path + "." + k + ": label key must be 1-63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric");
    }
    if (!IsValidLabelPart(v, 63, true)) {
      return InvalidArgumentError(
          path + "." + k +
          ": label value must be at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric");
    }
  }
  return OkStatus();
}

Result<ApiObject> DecodeApiObject(const json& doc, const KindInfo& kind, const std::string& path_name) {
  if (!doc.is_object()) return InvalidArgumentError("body: expected a JSON object");
  ApiObject obj;
  obj.kind = kind.kind;
  for (const auto& [key, value] : doc.items()) {
    if (key == "apiVersion") {
      if (!value.is_string() || value.get<std::string>() != kApiVersion) {
        return InvalidArgumentError(std::string("apiVersion: expected \"") + kApiVersion + "\", got " + Show(value));
      }
    } else if (key == "kind") {
      if (!value.is_string() || value.get<std::string>() != kind.kind) {
        return InvalidArgumentError("kind: expected \"" + kind.kind + "\" for /v1/" + kind.plural + ", got " +
                                    Show(value));
      }
    } else if (key == "metadata") {
      if (!value.is_object()) return InvalidArgumentError("metadata: expected an object");
      for (const auto& [mk, mv] : value.items()) {
        if (mk == "name") {
          if (!mv.is_string()) return InvalidArgumentError("metadata.name: expected a string");
          obj.name = mv.get<std::string>();
        } else if (mk == "labels") {
          if (mv.is_null()) continue;
          if (!mv.is_object()) return InvalidArgumentError("metadata.labels: expected a map of strings");
          for (const auto& [lk, lv] : mv.items()) {
            if (!lv.is_string()) return InvalidArgumentError("metadata.labels." + lk + ": expected a string");
            obj.labels[lk] = lv.get<std::string>();
          }
        } else if (mk == "resourceVersion") {
          KELOLA_ASSIGN_OR_RETURN(obj.resource_version, DecodeResourceVersion(mv));
        } else if (mk == "generation" || mk == "createdAt" || mk == "updatedAt") {
          // Server-owned; accepted so that a document read with `get -o yaml` can be applied back.
        } else {
          return InvalidArgumentError(
              "metadata." + mk +
              ": unknown field (known: name, labels, resourceVersion, generation, createdAt, updatedAt)");
        }
      }
    } else if (key == "spec") {
      obj.spec = value;
    } else if (key == "status") {
      // Status is written by controllers through their own path; ignored on input.
    } else {
      return InvalidArgumentError(key + ": unknown field (known: apiVersion, kind, metadata, spec, status)");
    }
  }
  if (obj.name.empty()) obj.name = path_name;
  if (!path_name.empty() && obj.name != path_name) {
    return InvalidArgumentError("metadata.name: \"" + obj.name + "\" does not match the name in the URL \"" +
                                path_name + "\"");
  }
  if (!IsValidName(obj.name)) {
    return InvalidArgumentError("metadata.name: \"" + obj.name +
                                "\" is not a valid name (lower-case letters, digits, '-' and '.', at most 253)");
  }
  KELOLA_RETURN_IF_ERROR(ValidateLabels(obj.labels, "metadata.labels"));
  KELOLA_RETURN_IF_ERROR(ValidateAgainstSchema(kind.spec, obj.spec, "spec"));
  ApplySchemaDefaults(kind.spec, obj.spec);
  if (kind.validate_spec) KELOLA_RETURN_IF_ERROR(kind.validate_spec(obj.spec));
  return obj;
}

json EncodeResource(const Resource& resource, const KindInfo& kind) {
  json spec = json::parse(resource.spec_json, nullptr, false);
  if (spec.is_discarded()) spec = json::object();
  json status = json::parse(resource.status_json, nullptr, false);
  if (status.is_discarded()) status = json::object();
  if (kind.is_secret) {
    // Only metadata leaves the API: the sealed value stays in the store.
    json meta = json::object();
    if (spec.contains("type")) meta["type"] = spec["type"];
    spec = std::move(meta);
  }
  StripWriteOnly(kind.spec, spec);
  json labels = json::object();
  for (const auto& [k, v] : resource.labels) labels[k] = v;
  return json{{"apiVersion", kApiVersion},
              {"kind", resource.kind},
              {"metadata",
               {{"name", resource.name},
                {"labels", labels},
                {"resourceVersion", std::to_string(resource.resource_version)},
                {"generation", resource.generation},
                {"createdAt", FormatRfc3339(resource.created_at)},
                {"updatedAt", FormatRfc3339(resource.updated_at)}}},
              {"spec", spec},
              {"status", status}};
}

}  // namespace kelola
