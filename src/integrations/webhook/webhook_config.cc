#include "integrations/webhook/webhook_config.h"

#include "integrations/notifier/receiver_auth_config.h"
#include "integrations/webhook/webhook_notifier.h"

namespace kelola {

const ConfigSchema& WebhookReceiverSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "url",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "where notifications are POSTed in Alertmanager's webhook JSON (required; treated as a "
                          "secret since it may carry a token).",
           .secret = true});
    AddReceiverAuthKeys(s);
    s.Add({.name = "max_alerts",
           .type = ConfigType::kInt,
           .default_value = "0",
           .description = "most alerts per notification, the rest counted in truncatedAlerts; 0 = all.",
           .min = 0,
           .max = 1'000'000});
    return s;
  }();
  return schema;
}

Result<std::unique_ptr<Notifier>> MakeWebhookNotifierFromConfig(const Config& config, Clock& clock) {
  WebhookOptions o;
  o.url = config.GetString("url");
  o.auth = ReceiverAuthFromConfig(config);
  o.max_alerts = static_cast<size_t>(config.GetInt("max_alerts"));
  o.send_resolved = config.GetBool("send_resolved");
  o.http = ReceiverHttpOptionsFromConfig(config);
  KELOLA_ASSIGN_OR_RETURN(auto notifier, WebhookNotifier::Create(std::move(o), clock));
  return std::unique_ptr<Notifier>(std::move(notifier));
}

}  // namespace kelola
