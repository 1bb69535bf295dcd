#include "integrations/alertmanager/alertmanager_config.h"

#include "integrations/alertmanager/alertmanager_notifier.h"
#include "integrations/notifier/receiver_auth_config.h"

namespace kelola {

const ConfigSchema& AlertmanagerReceiverSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "url",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "Alertmanager's base URL with any --web.route-prefix, e.g. http://alertmanager:9093 "
                          "(required); alerts go to {url}/api/v2/alerts. Put credentials in basic_auth, not here."});
    AddReceiverAuthKeys(s);
    s.Add({.name = "firing_ttl",
           .type = ConfigType::kDuration,
           .default_value = "0",
           .description = "endsAt sent with firing alerts, from now; 0 = none, so Alertmanager resolves an alert "
                          "not re-sent within its resolve_timeout (default 5m)."});
    return s;
  }();
  return schema;
}

Result<std::unique_ptr<Notifier>> MakeAlertmanagerNotifierFromConfig(const Config& config, Clock& clock) {
  AlertmanagerOptions o;
  o.url = config.GetString("url");
  o.auth = ReceiverAuthFromConfig(config);
  o.firing_ttl = config.GetDuration("firing_ttl");
  o.send_resolved = config.GetBool("send_resolved");
  o.http = ReceiverHttpOptionsFromConfig(config);
  KELOLA_ASSIGN_OR_RETURN(auto notifier, AlertmanagerNotifier::Create(std::move(o), clock));
  return std::unique_ptr<Notifier>(std::move(notifier));
}

}  // namespace kelola
