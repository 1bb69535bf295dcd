// LokiSink's declared config keys and how a loaded Config becomes options.
#include "integrations/loki/loki_sink.h"

namespace kelola {

const std::vector<ConfigKey>& LokiSinkConfigKeys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> k;
    k.push_back({"url", ConfigType::kString, "", "Loki push URL, e.g. https://loki:3100/loki/api/v1/push."});
    k.push_back({"encoding",
                 ConfigType::kString,
                 "protobuf",
                 "Body encoding: protobuf (snappy-compressed, as Promtail sends) or json.",
                 {"protobuf", "json"}});
    k.push_back({"tenant", ConfigType::kString, "", "Sent as X-Scope-OrgID when not empty (multi-tenant Loki)."});
    k.push_back({"username", ConfigType::kString, "", "Basic auth user name (with password)."});
    ConfigKey password{"password", ConfigType::kString, "", "Basic auth password."};
    password.secret = true;
    k.push_back(password);
    ConfigKey bearer{"bearer_token", ConfigType::kString, "",
                     "Sent as Authorization: Bearer; exclusive with basic auth."};
    bearer.secret = true;
    k.push_back(bearer);
    k.push_back({"ca_file", ConfigType::kString, "", "Extra CA bundle to verify Loki's TLS certificate."});
    k.push_back({"timeout", ConfigType::kDuration, "30s", "Timeout of one push request."});
    k.push_back({"labels", ConfigType::kStringList, "agent,host,service",
                 "Record fields (agent, file, stream) and batch labels that become Loki stream labels."});
    k.push_back({"static_labels", ConfigType::kStringList, "",
                 "Fixed stream labels as name=value items, e.g. env=prod,cluster=eu1."});
    k.push_back({"structured_metadata", ConfigType::kStringList, "",
                 "Record fields (agent, file, stream, offset) and batch labels sent as structured metadata."});
    return k;
  }();
  return keys;
}

void AddLokiSinkConfigKeys(ConfigSchema& schema, const std::string& prefix) {
  for (ConfigKey key : LokiSinkConfigKeys()) {
    key.name = prefix + "." + key.name;
    schema.Add(std::move(key));
  }
}

Result<LokiSinkOptions> LokiSinkOptionsFromConfig(const Config& config, const std::string& prefix) {
  // Keys sit under `prefix`, or at the top level of a logs.sinks item when it is empty.
  auto key = [&](const char* name) { return prefix.empty() ? std::string(name) : prefix + "." + name; };
  auto get = [&](const char* name) { return config.GetString(key(name)); };
  LokiSinkOptions o;
  o.url = get("url");
  o.encoding = get("encoding");
  o.tenant = get("tenant");
  o.username = get("username");
  o.password = get("password");
  o.bearer_token = get("bearer_token");
  o.ca_file = get("ca_file");
  o.timeout = config.GetDuration(key("timeout"));
  o.labels = config.GetList(key("labels"));
  o.structured_metadata = config.GetList(key("structured_metadata"));
  for (const auto& item : config.GetList(key("static_labels"))) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError(std::string(key("static_labels")) + ": expected name=value, got " +
                                  QuoteForError(item));
    }
    o.static_labels[item.substr(0, eq)] = item.substr(eq + 1);
  }
  Status s = ValidateLokiSinkOptions(o);
  if (!s.ok()) return InvalidArgumentError((prefix.empty() ? "loki sink" : prefix) + ": " + s.message());
  return o;
}

const ConfigSchema& LokiSinkSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    for (const ConfigKey& key : LokiSinkConfigKeys()) s.Add(key);
    return s;
  }();
  return schema;
}

Result<std::unique_ptr<LogSink>> MakeLokiSinkFromConfig(const Config& config) {
  KELOLA_ASSIGN_OR_RETURN(LokiSinkOptions options, LokiSinkOptionsFromConfig(config, ""));
  KELOLA_ASSIGN_OR_RETURN(std::unique_ptr<LokiSink> sink, LokiSink::Create(std::move(options)));
  return std::unique_ptr<LogSink>(std::move(sink));
}

}  // namespace kelola
