#include "integrations/elasticsearch/elasticsearch_config.h"

#include "integrations/elasticsearch/elasticsearch_sink.h"

namespace kelola {

const ConfigSchema& ElasticsearchSinkSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "url",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "base URL of Elasticsearch or OpenSearch, e.g. https://es.internal:9200 (required)."});
    s.Add({.name = "index",
           .type = ConfigType::kString,
           .default_value = "logs-%Y.%m.%d",
           .description = "index name; %Y %m %d %H are the record's UTC date and hour."});
    s.Add({.name = "action",
           .type = ConfigType::kString,
           .default_value = "create",
           .description = "_bulk action: create (a re-sent record gets 409 and counts as stored) or index "
                          "(overwrites; for data streams use create).",
           .allowed = {"create", "index"}});
    s.Add({.name = "username",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "basic auth user (with password); exclusive with api_key."});
    s.Add({.name = "password",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "basic auth password.",
           .secret = true});
    s.Add({.name = "api_key",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "API key, sent as `Authorization: ApiKey <value>` (base64 id:key).",
           .secret = true});
    s.Add({.name = "tls.ca_file",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "PEM CA bundle trusted in addition to the system's."});
    s.Add({.name = "tls.verify",
           .type = ConfigType::kBool,
           .default_value = "true",
           .description = "verify the server certificate and host name; false only for tests."});
    s.Add({.name = "gzip",
           .type = ConfigType::kBool,
           .default_value = "true",
           .description = "gzip request bodies (Content-Encoding: gzip)."});
    s.Add({.name = "max_item_attempts",
           .type = ConfigType::kInt,
           .default_value = "5",
           .description = "sends of an item refused with 429/5xx within one delivery before the whole "
                          "batch is retried later.",
           .min = 1,
           .max = 100});
    s.Add({.name = "max_concurrency",
           .type = ConfigType::kInt,
           .default_value = "4",
           .description = "most _bulk requests in flight per delivery; the sink adapts between 1 and this "
                          "(AIMD: +1 after a round without 429/5xx, halved after one).",
           .min = 1,
           .max = 64});
    s.Add({.name = "timeout",
           .type = ConfigType::kDuration,
           .default_value = "30s",
           .description = "time limit of one _bulk request."});
    return s;
  }();
  return schema;
}

Result<std::unique_ptr<LogSink>> MakeElasticsearchSinkFromConfig(const Config& config) {
  ElasticsearchSinkOptions o;
  o.url = config.GetString("url");
  if (o.url.empty()) return InvalidArgumentError("url: required");
  o.index = config.GetString("index");
  o.action = config.GetString("action");
  o.username = config.GetString("username");
  o.password = config.GetString("password");
  o.api_key = config.GetString("api_key");
  o.ca_file = config.GetString("tls.ca_file");
  o.verify_tls = config.GetBool("tls.verify");
  o.gzip = config.GetBool("gzip");
  o.max_item_attempts = static_cast<int>(config.GetInt("max_item_attempts"));
  o.timeout = config.GetDuration("timeout");
  o.max_concurrency = static_cast<int>(config.GetInt("max_concurrency"));
  auto sink = MakeElasticsearchSink(o);
  if (!sink.ok()) {
    std::string key = sink.status().message().substr(0, sink.status().message().find(':'));
    std::string where = ElasticsearchSinkSchema().Find(key) ? " (" + config.SourceOf(key) + ")" : "";
    return InvalidArgumentError(sink.status().message() + where);
  }
  return sink;
}

}  // namespace kelola
