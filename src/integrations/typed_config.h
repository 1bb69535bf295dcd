// Helpers shared by the config registries of typed plugins — log sinks
// (registry.h) and alert receivers (notifier_registry.h): each item is
// `name` + `type` + the keys common to all types + the type's own keys.
#pragma once

#include <string>
#include <string_view>

#include "base/config_schema.h"

namespace kelola {

// The common keys followed by the type's own, built once per (common, type)
// and kept for the process; thread-safe.
const ConfigSchema& CommonPlusTypeSchema(const ConfigSchema& common, std::string_view type, const ConfigSchema& own);

// [a-z0-9_-], 1 to 64 characters: a plugin's name labels metrics and names
// a state directory, so it must be safe as both.
bool IsPluginName(std::string_view name);

// A markdown table of `schema` as ConfigSchema::Describe without the
// environment column (plugin keys are set in the config file only). A
// secret key shows "(secret)" as its default, or, when `secret_note` is
// given, its default and the note after its description.
std::string DescribePluginKeys(const ConfigSchema& schema, const std::string& secret_note = "");

}  // namespace kelola
