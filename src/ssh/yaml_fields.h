// Internal to src/ssh: strict reading of the YAML documents this folder
// accepts (fleet inventories, runbooks). Every error names the document and
// the 1-based line:column of the offending node, unknown keys are errors
// (with a did-you-mean), and yaml-cpp exceptions never escape.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

// Largest document accepted; a bigger one is surely a mistake.
inline constexpr size_t kMaxYamlDocumentBytes = 8u << 20;

class YamlFields {
 public:
  explicit YamlFields(std::string display) : display_(std::move(display)) {}
  const std::string& display() const { return display_; }

  // Parses `text`; syntax errors become "file:line:col: message".
  Result<YAML::Node> Load(const std::string& text) const;

  // "file:line:col".
  std::string Position(const YAML::Node& node) const;
  // InvalidArgument "file:line:col: message".
  Status Error(const YAML::Node& node, std::string_view message) const;

  // `node` must be a mapping whose keys are all in `allowed`, each once.
  Status CheckMap(const YAML::Node& node, std::string_view what, const std::vector<std::string_view>& allowed) const;

  // Typed scalars of field `name` (for messages). The node must be defined.
  Result<std::string> String(const YAML::Node& node, std::string_view name) const;
  Result<int64_t> Int(const YAML::Node& node, std::string_view name, int64_t min, int64_t max) const;
  Result<bool> Bool(const YAML::Node& node, std::string_view name) const;
  Result<Duration> DurationValue(const YAML::Node& node, std::string_view name) const;
  // A mapping of scalars to scalars (labels, variables).
  Result<std::map<std::string, std::string>> StringMap(const YAML::Node& node, std::string_view name) const;
  // A sequence of scalars, or one scalar as a list of one.
  Result<std::vector<std::string>> StringList(const YAML::Node& node, std::string_view name) const;

 private:
  std::string display_;
};

}  // namespace kelola
