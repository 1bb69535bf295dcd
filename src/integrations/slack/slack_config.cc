#include "integrations/slack/slack_config.h"

#include "integrations/slack/slack_notifier.h"

namespace kelola {

const ConfigSchema& SlackReceiverSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "url",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "the incoming webhook URL, https://hooks.slack.com/services/... (required; it is the "
                          "credential).",
           .secret = true});
    return s;
  }();
  return schema;
}

Result<std::unique_ptr<Notifier>> MakeSlackNotifierFromConfig(const Config& config, Clock& clock) {
  SlackOptions o;
  o.url = config.GetString("url");
  o.send_resolved = config.GetBool("send_resolved");
  o.http = ReceiverHttpOptionsFromConfig(config);
  KELOLA_ASSIGN_OR_RETURN(auto notifier, SlackNotifier::Create(std::move(o), clock));
  return std::unique_ptr<Notifier>(std::move(notifier));
}

}  // namespace kelola
