// The declared config keys of an `elasticsearch` sink (an item of the
// server's logs.sinks), and the sink built from them. The same table
// validates the config (unknown keys are errors) and generates docs/config.md.
#pragma once

#include <memory>

#include "base/config.h"
#include "base/config_schema.h"
#include "logs/log_sink.h"

namespace kelola {

const ConfigSchema& ElasticsearchSinkSchema();
Result<std::unique_ptr<LogSink>> MakeElasticsearchSinkFromConfig(const Config& config);

}  // namespace kelola
