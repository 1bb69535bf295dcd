// ParseScalingPolicyFile: YAML (or JSON) policy files for the CLI and the
// simulator. The API receives JSON and calls DecodeScalingPolicySpec.
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "scale/scaling_policy.h"

namespace kelola {
namespace {

using json = nlohmann::json;

// Aliases can make a small file expand into an exponentially large tree.
constexpr int kMaxDepth = 32;
constexpr size_t kMaxNodes = 20'000;

Result<json> YamlToJson(const YAML::Node& node, const std::string& source, int depth, size_t& budget) {
  const std::string where = source + ":" + std::to_string(node.Mark().line + 1);
  if (depth > kMaxDepth) return InvalidArgumentError(where + ": nested deeper than 32 levels");
  if (budget == 0) return InvalidArgumentError(where + ": document expands to more than 20000 values");
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "!") return json(s);  // quoted: always a string
      if (s == "true" || s == "True") return json(true);
      if (s == "false" || s == "False") return json(false);
      if (s == "~" || s == "null") return json(nullptr);
      int64_t i = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (!s.empty() && ec == std::errc() && p == s.data() + s.size()) return json(i);
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
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
        if (!kv.first.IsScalar()) return InvalidArgumentError(where + ": map keys must be strings");
        const std::string& key = kv.first.Scalar();
        if (obj.contains(key)) {
          return InvalidArgumentError(source + ":" + std::to_string(kv.first.Mark().line + 1) + ": duplicate key \"" +
                                      key + "\"");
        }
        KELOLA_ASSIGN_OR_RETURN(json v, YamlToJson(kv.second, source, depth + 1, budget));
        obj[key] = std::move(v);
      }
      return obj;
    }
  }
  return json(nullptr);
}

Result<ScalingPolicySpec> DecodeDocument(const json& doc, const std::string& where, const std::string& default_name) {
  if (!doc.is_object()) return InvalidArgumentError(where + ": expected a ScalingPolicy (a map)");
  if (!doc.contains("kind") && !doc.contains("spec")) {
    auto p = DecodeScalingPolicySpec(default_name, doc.dump());
    if (!p.ok()) return InvalidArgumentError(where + ": " + p.status().message());
    return p;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() != "kind" && it.key() != "metadata" && it.key() != "spec" && it.key() != "apiVersion") {
      return InvalidArgumentError(where + ": " + it.key() + ": unknown field");
    }
  }
  if (!doc.contains("kind") || doc["kind"] != "ScalingPolicy") {
    return InvalidArgumentError(where + ": kind: expected ScalingPolicy");
  }
  std::string name = default_name;
  if (doc.contains("metadata")) {
    const json& m = doc["metadata"];
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string() || m["name"].get<std::string>().empty()) {
      return InvalidArgumentError(where + ": metadata.name: required string");
    }
    name = m["name"].get<std::string>();
  }
  if (!doc.contains("spec")) return InvalidArgumentError(where + ": spec: required field is missing");
  auto p = DecodeScalingPolicySpec(name, doc["spec"].dump());
  if (!p.ok()) return InvalidArgumentError(where + ": " + p.status().message());
  return p;
}

std::string BaseName(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  if (size_t dot = base.find('.'); dot != std::string::npos && dot > 0) base.resize(dot);
  return base.empty() ? "policy" : base;
}

// A file whose first character (after blanks and # comments) is { or [ is
// read as one JSON document by nlohmann: yaml-cpp 0.7 loops on some
// malformed flow-style documents (fuzz/known-hangs/), which no caller could bound.
std::optional<size_t> JsonStart(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else {
      return c == '{' || c == '[' ? std::optional<size_t>(i) : std::nullopt;
    }
  }
  return std::nullopt;
}

Result<std::vector<ScalingPolicySpec>> ParseJsonFile(std::string_view text, size_t start, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text.substr(start));
  } catch (const json::exception& e) {
    size_t line = 1;
    if (const auto* pe = dynamic_cast<const json::parse_error*>(&e)) {
      const size_t end = std::min(text.size(), start + (pe->byte > 0 ? pe->byte - 1 : 0));
      for (size_t i = 0; i < end; ++i) line += text[i] == '\n' ? 1 : 0;
    }
    return InvalidArgumentError(source + ":" + std::to_string(line) +
                                ": not valid JSON (a file starting with { or [ "
                                "is read as JSON)");
  }
  size_t line = 1;
  for (size_t i = 0; i < start; ++i) line += text[i] == '\n' ? 1 : 0;
  std::vector<ScalingPolicySpec> out;
  const std::string where = source + ":" + std::to_string(line);
  if (doc.is_array()) {
    if (doc.size() > 1000) return InvalidArgumentError(where + ": more than 1000 policies");
    for (size_t i = 0; i < doc.size(); ++i) {
      std::string name = BaseName(source) + (i == 0 ? "" : "-" + std::to_string(i + 1));
      KELOLA_ASSIGN_OR_RETURN(ScalingPolicySpec p,
                              DecodeDocument(doc[i], where + ": [" + std::to_string(i) + "]", name));
      out.push_back(std::move(p));
    }
  } else {
    KELOLA_ASSIGN_OR_RETURN(ScalingPolicySpec p, DecodeDocument(doc, where, BaseName(source)));
    out.push_back(std::move(p));
  }
  if (out.empty()) return InvalidArgumentError(source + ": no ScalingPolicy found (an empty list)");
  return out;
}

// Policy files are UTF-8 text. Checked before yaml-cpp, which loops on some
// inputs with stray bytes (found by scaling_policy_fuzz).
Status CheckText(std::string_view text, const std::string& source) {
  size_t line = 1;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') ++line;
    if (c < 0x80) {
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
        return InvalidArgumentError(source + ":" + std::to_string(line) + ": control character in the file");
      }
      ++i;
      continue;
    }
    const size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = n > 0 && i + n <= text.size() && c != 0xC0 && c != 0xC1 && c <= 0xF4;
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!ok) return InvalidArgumentError(source + ":" + std::to_string(line) + ": the file is not valid UTF-8");
    i += n;
  }
  return OkStatus();
}

// A YAML policy document is a block map of plain keys: every line that starts
// in column 1 is `key:`, a comment or a document marker. Checked before
// yaml-cpp, which loops on some top-level quoted or flow-style scalars
// followed by stray flow indicators (found by scaling_policy_fuzz).
Status CheckTopLevel(std::string_view text, const std::string& source) {
  size_t line = 0;
  bool document_start = true;  // the next content line opens a document
  for (size_t pos = 0; pos <= text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    const size_t first = l.find_first_not_of(" \t");
    if (first == std::string_view::npos || l[first] == '#') continue;
    const std::string where = source + ":" + std::to_string(line);
    if (l[first] == ',' || l[first] == ']' || l[first] == '}') {
      return InvalidArgumentError(where + ": a line may not start with " + std::string(1, l[first]));
    }
    if (first > 0) {
      if (document_start) return InvalidArgumentError(where + ": the document's first key must start in column 1");
      continue;
    }
    if (l.rfind("---", 0) == 0 || l.rfind("...", 0) == 0) {
      const size_t rest = l.find_first_not_of(" \t", 3);
      if (l.size() == 3 || (rest == std::string_view::npos && (l[3] == ' ' || l[3] == '\t')) ||
          (rest != std::string_view::npos && l[rest] == '#' && (l[3] == ' ' || l[3] == '\t'))) {
        document_start = true;
        continue;
      }
    }
    document_start = false;
    const auto c = static_cast<unsigned char>(l[0]);
    if (!std::isalpha(c) && c != '_') {
      return InvalidArgumentError(where +
                                  ": expected a plain key (kind:, spec:, group: ...) at the start of the line; a "
                                  "policy document is a YAML map");
    }
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<ScalingPolicySpec>> ParseScalingPolicyFile(std::string_view text, const std::string& source) {
  KELOLA_RETURN_IF_ERROR(CheckText(text, source));
  if (auto start = JsonStart(text)) return ParseJsonFile(text, *start, source);
  KELOLA_RETURN_IF_ERROR(CheckTopLevel(text, source));
  std::vector<ScalingPolicySpec> out;
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
    for (const auto& n : nodes) {
      if (n.IsNull()) continue;
      size_t budget = kMaxNodes;
      KELOLA_ASSIGN_OR_RETURN(json doc, YamlToJson(n, source, 0, budget));
      const std::string where = source + ":" + std::to_string(n.Mark().line + 1);
      std::string name = BaseName(source) + (out.empty() ? "" : "-" + std::to_string(out.size() + 1));
      KELOLA_ASSIGN_OR_RETURN(ScalingPolicySpec p, DecodeDocument(doc, where, name));
      out.push_back(std::move(p));
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(source + ": " + e.what());
  }
  if (out.empty()) return InvalidArgumentError(source + ": no ScalingPolicy found (the file is empty)");
  return out;
}

}  // namespace kelola
