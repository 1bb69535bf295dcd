#include "ssh/yaml_fields.h"

#include <algorithm>
#include <set>

#include "base/config_schema.h"
#include "base/edit_distance.h"

namespace kelola {
namespace {

std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "the scalar " + QuoteForError(node.Scalar());
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined value";
  }
}

}  // namespace

Result<YAML::Node> YamlFields::Load(const std::string& text) const {
  if (text.size() > kMaxYamlDocumentBytes) {
    return InvalidArgumentError(display_ + ": larger than " + std::to_string(kMaxYamlDocumentBytes) + " bytes");
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(display_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(display_ + ": " + e.what());
  }
}

std::string YamlFields::Position(const YAML::Node& node) const {
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return display_;
  return display_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Status YamlFields::Error(const YAML::Node& node, std::string_view message) const {
  return InvalidArgumentError(Position(node) + ": " + std::string(message));
}

Status YamlFields::CheckMap(const YAML::Node& node, std::string_view what,
                            const std::vector<std::string_view>& allowed) const {
  if (!node.IsMap()) return Error(node, std::string(what) + ": expected a mapping, got " + DescribeNode(node));
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: the iterator hands out a temporary
    if (!key.IsScalar()) return Error(key, std::string(what) + ": keys must be plain words");
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string hint;
      size_t best = 3;
      for (std::string_view candidate : allowed) {
        size_t distance = EditDistance(name, candidate);
        if (distance < best) {
          best = distance;
          hint = " (did you mean \"" + std::string(candidate) + "\"?)";
        }
      }
      std::string known;
      for (std::string_view candidate : allowed) known += (known.empty() ? "" : ", ") + std::string(candidate);
      return Error(key,
                   "unknown key " + QuoteForError(name) + " in " + std::string(what) + hint + "; known keys: " + known);
    }
    if (!seen.insert(name).second) {
      return Error(key, "duplicate key " + QuoteForError(name) + " in " + std::string(what));
    }
  }
  return OkStatus();
}

Result<std::string> YamlFields::String(const YAML::Node& node, std::string_view name) const {
  if (!node.IsScalar()) return Error(node, std::string(name) + ": expected a string, got " + DescribeNode(node));
  return node.Scalar();
}

Result<int64_t> YamlFields::Int(const YAML::Node& node, std::string_view name, int64_t min, int64_t max) const {
  KELOLA_ASSIGN_OR_RETURN(std::string text, String(node, name));
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    return Error(node, std::string(name) + ": expected an integer, got " + QuoteForError(text));
  }
  if (value < min || value > max) {
    return Error(
        node, std::string(name) + ": " + text + " is out of range " + std::to_string(min) + "-" + std::to_string(max));
  }
  return value;
}

Result<bool> YamlFields::Bool(const YAML::Node& node, std::string_view name) const {
  KELOLA_ASSIGN_OR_RETURN(std::string text, String(node, name));
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  return Error(node, std::string(name) + ": expected true or false, got " + QuoteForError(text));
}

Result<Duration> YamlFields::DurationValue(const YAML::Node& node, std::string_view name) const {
  KELOLA_ASSIGN_OR_RETURN(std::string text, String(node, name));
  auto parsed = ParseDuration(text);
  if (!parsed.ok()) return Error(node, std::string(name) + ": " + parsed.status().message());
  return std::chrono::duration_cast<Duration>(*parsed);
}

Result<std::map<std::string, std::string>> YamlFields::StringMap(const YAML::Node& node, std::string_view name) const {
  if (!node.IsMap()) return Error(node, std::string(name) + ": expected a mapping, got " + DescribeNode(node));
  std::map<std::string, std::string> out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    KELOLA_ASSIGN_OR_RETURN(std::string key, String(it->first, name));
    KELOLA_ASSIGN_OR_RETURN(std::string value, String(it->second, std::string(name) + "." + key));
    if (!out.emplace(key, value).second) {
      return Error(it->first, std::string(name) + ": duplicate key " + QuoteForError(key));
    }
  }
  return out;
}

Result<std::vector<std::string>> YamlFields::StringList(const YAML::Node& node, std::string_view name) const {
  if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
  if (!node.IsSequence()) return Error(node, std::string(name) + ": expected a list, got " + DescribeNode(node));
  std::vector<std::string> out;
  for (const YAML::Node& item : node) {
    KELOLA_ASSIGN_OR_RETURN(std::string value, String(item, name));
    out.push_back(std::move(value));
  }
  return out;
}

}  // namespace kelola
