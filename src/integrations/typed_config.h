// Helpers shared by the config registries of typed plugins — log sinks
// (registry.h) and alert receivers (notifier_registry.h): each item is
// `name` + `type` + the keys common to all types + the type's own keys.
#pragma once

#include <string_view>

#include "base/config_schema.h"

namespace kelola {

// The common keys followed by the type's own, built once per (common, type)
// and kept for the process; thread-safe.
const ConfigSchema& CommonPlusTypeSchema(const ConfigSchema& common, std::string_view type, const ConfigSchema& own);

// [a-z0-9_-], 1 to 64 characters: a plugin's name labels metrics and names
// a state directory, so it must be safe as both.
bool IsPluginName(std::string_view name);

}  // namespace kelola
