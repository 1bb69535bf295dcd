#include "integrations/notifier_registry.h"

#include <set>

#include "integrations/alertmanager/alertmanager_config.h"
#include "integrations/pagerduty/pagerduty_config.h"
#include "integrations/slack/slack_config.h"
#include "integrations/typed_config.h"
#include "integrations/webhook/webhook_config.h"

namespace kelola {

const std::vector<ReceiverType>& ReceiverTypes() {
  static const std::vector<ReceiverType> types = {
      {"alertmanager", &AlertmanagerReceiverSchema, &MakeAlertmanagerNotifierFromConfig},
      {"pagerduty", &PagerDutyReceiverSchema, &MakePagerDutyNotifierFromConfig},
      {"slack", &SlackReceiverSchema, &MakeSlackNotifierFromConfig},
      {"webhook", &WebhookReceiverSchema, &MakeWebhookNotifierFromConfig},
  };
  return types;
}

const ConfigSchema& CommonReceiverSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "name",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "the receiver's name: 1-64 of [a-z0-9_-], unique; routes and the notification log "
                          "refer to it."});
    s.Add({.name = "type", .type = ConfigType::kString, .default_value = "", .description = "the receiver's type."});
    s.Add({.name = "send_resolved",
           .type = ConfigType::kBool,
           .default_value = "true",
           .description = "also notify when alerts resolve; false leaves resolved alerts out (and sends "
                          "nothing when none fire)."});
    s.Add({.name = "timeout",
           .type = ConfigType::kDuration,
           .default_value = "10s",
           .description = "time limit of one delivery attempt (connect included); past it the attempt is a "
                          "retry."});
    s.Add({.name = "tls.ca_file",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "PEM CA bundle trusted in addition to the system's."});
    s.Add({.name = "tls.verify",
           .type = ConfigType::kBool,
           .default_value = "true",
           .description = "verify the receiver's certificate and host name; false only for tests."});
    return s;
  }();
  return schema;
}

namespace {

std::string KnownTypes() {
  std::string known;
  for (const ReceiverType& t : ReceiverTypes()) known += (known.empty() ? "" : "|") + std::string(t.type);
  return known;
}

const ReceiverType* FindType(std::string_view name) {
  for (const ReceiverType& t : ReceiverTypes()) {
    if (t.type == name) return &t;
  }
  return nullptr;
}

// Checks name and type and loads the settings over the type's keys.
Result<Config> Load(const ConfigObject& object, const ReceiverType** type_out) {
  auto type_field = object.fields.find("type");
  if (type_field == object.fields.end() || type_field->second.text.empty()) {
    return InvalidArgumentError(object.source + ": receiver: type is required (one of " + KnownTypes() + ")");
  }
  const ReceiverType* type = FindType(type_field->second.text);
  if (type == nullptr) {
    return InvalidArgumentError(type_field->second.source + ": type: expected one of " + KnownTypes() + ", got " +
                                QuoteForError(type_field->second.text));
  }
  KELOLA_ASSIGN_OR_RETURN(
      Config config,
      LoadConfigFromObject(CommonPlusTypeSchema(CommonReceiverSchema(), type->type, type->schema()), object));
  const std::string name = config.GetString("name");
  if (!IsPluginName(name)) {
    return InvalidArgumentError(object.source + ": receiver: name must be 1-64 of [a-z0-9_-], got " +
                                QuoteForError(name));
  }
  *type_out = type;
  return config;
}

ConfigObject ToObject(const ReceiverConfig& rc) {
  ConfigObject object;
  object.source = rc.source.empty() ? "receiver " + QuoteForError(rc.name) : rc.source;
  for (const auto& [key, text] : rc.settings) object.fields[key] = {text, object.source};
  object.fields["name"] = {rc.name, object.source};
  object.fields["type"] = {rc.type, object.source};
  return object;
}

}  // namespace

Result<std::unique_ptr<Notifier>> MakeNotifier(const ReceiverConfig& rc, Clock& clock) {
  const ReceiverType* type = nullptr;
  KELOLA_ASSIGN_OR_RETURN(Config config, Load(ToObject(rc), &type));
  auto notifier = type->make(config, clock);
  if (!notifier.ok()) return notifier.status().WithContext("receiver \"" + rc.name + "\"");
  return notifier;
}

Result<std::vector<ReceiverConfig>> ParseReceiverConfigs(const std::vector<ConfigObject>& items) {
  std::vector<ReceiverConfig> out;
  std::set<std::string> names;
  for (const ConfigObject& item : items) {
    const ReceiverType* type = nullptr;
    KELOLA_RETURN_IF_ERROR(Load(item, &type).status());
    ReceiverConfig rc;
    rc.source = item.source;
    for (const auto& [key, field] : item.fields) {
      if (key == "name") {
        rc.name = field.text;
      } else if (key == "type") {
        rc.type = field.text;
      } else {
        rc.settings[key] = field.text;
      }
    }
    if (!names.insert(rc.name).second) {
      return InvalidArgumentError(item.source + ": two receivers named \"" + rc.name + "\"");
    }
    out.push_back(std::move(rc));
  }
  return out;
}

constexpr const char* kSecretNote = "Secret: never shown in errors, dumps or notification details.";

std::string DescribeReceiverConfig() {
  std::string out = "Keys of every receiver:\n\n" + DescribePluginKeys(CommonReceiverSchema(), kSecretNote);
  for (const ReceiverType& t : ReceiverTypes()) {
    out += "\n`type: " + std::string(t.type) + "`:\n\n" + DescribePluginKeys(t.schema(), kSecretNote);
  }
  return out;
}

}  // namespace kelola
