// The table of sink types: the only place that names every integration.
// `logs.sinks` in the server config is a list of mappings; each item has the
// common keys below plus its type's declared keys (unknown keys are errors),
// and the same tables generate docs/config.md.
//
//   logs:
//     sinks:
//       - name: central            # [a-z0-9_-], unique; labels metrics, names the state dir
//         type: elasticsearch
//         url: https://es.internal:9200
//         index: logs-%Y.%m.%d
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/config_schema.h"
#include "logs/log_sink.h"

namespace kelola {

struct SinkType {
  std::string_view type;
  const ConfigSchema& (*schema)();  // the type's own keys
  Result<std::unique_ptr<LogSink>> (*make)(const Config& config);
};

const std::vector<SinkType>& SinkTypes();

// Keys every sink has: name, type, batch_records.
const ConfigSchema& CommonSinkSchema();

struct SinkSpec {
  std::string name;
  const SinkType* type = nullptr;
  size_t batch_records = 500;
  Config config;  // common + type keys
};

// Validates every item (names unique) without building the sinks.
Result<std::vector<SinkSpec>> ParseSinkSpecs(const std::vector<ConfigObject>& items);
Result<std::unique_ptr<LogSink>> MakeSink(const SinkSpec& spec);

// Markdown: the common keys, then one table per type.
std::string DescribeSinkConfig();

}  // namespace kelola
