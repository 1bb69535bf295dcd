// The configuration keys of `kelola server`, declared once: they validate
// the YAML file, KELOLA_* variables and flags, and generate docs/config.md.
#pragma once

#include "base/config.h"
#include "base/config_schema.h"
#include "daemon/server_daemon.h"

namespace kelola {

const ConfigSchema& ServerConfigSchema();
// Builds the daemon's options from a loaded config; InvalidArgument names the key.
Result<ServerOptions> ServerOptionsFromConfig(const Config& config);

}  // namespace kelola
