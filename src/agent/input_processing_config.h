// The processing keys every agent input has, declared once per input
// section ("file", "syslog", "stdin") in AgentConfigSchema:
//
//   <input>.parser                  none | json | logfmt | regex | syslog
//   <input>.regex                   RE2 with named groups, for parser regex
//   <input>.labels                  name=value fields added to its records
//   <input>.filter.min_level        drop records below this level
//   <input>.filter.drop_regex       drop records whose text matches
//   <input>.filter.keep_regex       keep only records whose text matches
//   <input>.filter.field_equals     keep only records with these name=value fields
//
// Thread-safety: functions of values; build the schema once.
#pragma once

#include <string>

#include "base/config.h"
#include "base/config_schema.h"
#include "logs/record_processor.h"

namespace kelola {

void AddInputProcessingKeys(ConfigSchema& schema, const std::string& input, const std::string& default_parser);

// InvalidArgument naming the key for an unusable value (bad regex, a regex
// parser without a pattern, name=value items without '=').
Result<RecordProcessorOptions> InputProcessingFromConfig(const Config& config, const std::string& input);

// "name=value" items into a map; InvalidArgument naming `key` otherwise.
Result<std::map<std::string, std::string>> ParseNameValueList(const std::vector<std::string>& items,
                                                              const std::string& key);

}  // namespace kelola
