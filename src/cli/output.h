// Rendering of API objects for people (table) and for programs (json, yaml).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace kelola {

enum class OutputFormat { kTable, kJson, kYaml };

Result<OutputFormat> ParseOutputFormat(const std::string& name);

// A single resource or a list ({"items": [...]}) in the chosen format.
std::string RenderResources(const nlohmann::json& doc, OutputFormat format);
// Events, one per line in table form.
std::string RenderEvent(const nlohmann::json& event, OutputFormat format);
// Any JSON value as YAML (block style, strings quoted only where needed).
std::string JsonToYaml(const nlohmann::json& value);
// Left-aligned columns separated by three spaces, like kubectl.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace kelola
