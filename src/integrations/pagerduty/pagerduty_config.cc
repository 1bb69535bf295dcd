#include "integrations/pagerduty/pagerduty_config.h"

#include "integrations/pagerduty/pagerduty_notifier.h"

namespace kelola {

const ConfigSchema& PagerDutyReceiverSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "routing_key",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "the Events API v2 integration key of the PagerDuty service or ruleset (required).",
           .secret = true});
    s.Add({.name = "url",
           .type = ConfigType::kString,
           .default_value = std::string(kPagerDutyEventsUrl),
           .description = "the Events API v2 endpoint; accounts in another PagerDuty service region use that region's "
                          "events host."});
    s.Add({.name = "source",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "payload.source; empty: the alerts' common instance, host or service label, else "
                          "\"kelola\"."});
    s.Add({.name = "default_severity",
           .type = ConfigType::kString,
           .default_value = "error",
           .description = "payload.severity when no firing alert has a known severity label.",
           .allowed = {"critical", "error", "warning", "info"}});
    return s;
  }();
  return schema;
}

Result<std::unique_ptr<Notifier>> MakePagerDutyNotifierFromConfig(const Config& config, Clock& clock) {
  PagerDutyOptions o;
  o.url = config.GetString("url");
  o.event.routing_key = config.GetString("routing_key");
  o.event.source = config.GetString("source");
  o.event.default_severity = config.GetString("default_severity");
  o.send_resolved = config.GetBool("send_resolved");
  o.http = ReceiverHttpOptionsFromConfig(config);
  KELOLA_ASSIGN_OR_RETURN(auto notifier, PagerDutyNotifier::Create(std::move(o), clock));
  return std::unique_ptr<Notifier>(std::move(notifier));
}

}  // namespace kelola
