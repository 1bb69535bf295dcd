#include "integrations/registry.h"

#include <map>
#include <set>

#include "integrations/elasticsearch/elasticsearch_config.h"
#include "integrations/loki/loki_sink.h"
#include "integrations/typed_config.h"

namespace kelola {

const std::vector<SinkType>& SinkTypes() {
  static const std::vector<SinkType> types = {
      {"elasticsearch", &ElasticsearchSinkSchema, &MakeElasticsearchSinkFromConfig},
      {"loki", &LokiSinkSchema, &MakeLokiSinkFromConfig},
  };
  return types;
}

const ConfigSchema& CommonSinkSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "name",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "the sink's name: [a-z0-9_-], unique; labels its metrics and names its state "
                          "directory (DATA_DIR/log-sinks/NAME: cursor, dead letters)."});
    s.Add({.name = "type", .type = ConfigType::kString, .default_value = "", .description = "the sink's type."});
    s.Add({.name = "batch_records",
           .type = ConfigType::kInt,
           .default_value = "500",
           .description = "records per delivery.",
           .min = 1,
           .max = 100000});
    return s;
  }();
  return schema;
}

Result<std::vector<SinkSpec>> ParseSinkSpecs(const std::vector<ConfigObject>& items) {
  std::vector<SinkSpec> out;
  std::set<std::string> names;
  for (const ConfigObject& item : items) {
    auto type_field = item.fields.find("type");
    if (type_field == item.fields.end())
      return InvalidArgumentError(item.source + ": logs.sinks item: type is required");
    const SinkType* type = nullptr;
    std::string known;
    for (const SinkType& t : SinkTypes()) {
      known += (known.empty() ? "" : "|") + std::string(t.type);
      if (t.type == type_field->second.text) type = &t;
    }
    if (type == nullptr) {
      return InvalidArgumentError(type_field->second.source + ": type: expected one of " + known + ", got " +
                                  QuoteForError(type_field->second.text));
    }
    KELOLA_ASSIGN_OR_RETURN(
        Config config,
        LoadConfigFromObject(CommonPlusTypeSchema(CommonSinkSchema(), type->type, type->schema()), item));
    SinkSpec spec;
    spec.name = config.GetString("name");
    if (!IsPluginName(spec.name)) {
      return InvalidArgumentError(item.source + ": logs.sinks item: name must be 1-64 of [a-z0-9_-], got " +
                                  QuoteForError(spec.name));
    }
    if (!names.insert(spec.name).second) {
      return InvalidArgumentError(item.source + ": logs.sinks: two sinks named \"" + spec.name + "\"");
    }
    spec.type = type;
    spec.batch_records = static_cast<size_t>(config.GetInt("batch_records"));
    spec.config = std::move(config);
    out.push_back(std::move(spec));
  }
  return out;
}

Result<std::unique_ptr<LogSink>> MakeSink(const SinkSpec& spec) {
  auto sink = spec.type->make(spec.config);
  if (!sink.ok()) return sink.status().WithContext("sink \"" + spec.name + "\"");
  return sink;
}

std::string DescribeSinkConfig() {
  std::string out = "Keys of every item of `logs.sinks`:\n\n" + DescribePluginKeys(CommonSinkSchema());
  for (const SinkType& t : SinkTypes()) {
    out += "\n`type: " + std::string(t.type) + "`:\n\n" + DescribePluginKeys(t.schema());
  }
  return out;
}

}  // namespace kelola
