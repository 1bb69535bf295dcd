// The table of alert receiver types: the only place that names every
// notifier. A receiver is a name, a type and the type's settings; the same
// declared keys validate the settings (unknown keys are errors, secrets are
// never shown) and generate docs/integrations/notifiers.md.
//
//   alerting:
//     receivers:
//       - name: ops-slack           # [a-z0-9_-], unique
//         type: slack
//         url: https://hooks.slack.com/services/T000/B000/XXXX
//       - name: oncall
//         type: pagerduty
//         routing_key: 0123456789abcdef0123456789abcdef
//         timeout: 5s
//
// Errors name the receiver and the field: `receiver "oncall": routing_key:
// required`, `server.yaml:12:9: type: expected one of
// alertmanager|pagerduty|slack|webhook, got "email"`.
// Thread-safety: everything here may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/alert.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/config_schema.h"

namespace kelola {

struct ReceiverType {
  std::string_view type;
  const ConfigSchema& (*schema)();  // the type's own keys
  Result<std::unique_ptr<Notifier>> (*make)(const Config& config, Clock& clock);
};

// alertmanager, pagerduty, slack, webhook.
const std::vector<ReceiverType>& ReceiverTypes();

// Keys every receiver has: name, type, send_resolved, timeout, tls.ca_file, tls.verify.
const ConfigSchema& CommonReceiverSchema();

// A receiver as configured: its settings as text, by key ("url", "timeout",
// "basic_auth.username", "headers" as a comma-separated list...).
struct ReceiverConfig {
  std::string name;
  std::string type;
  std::map<std::string, std::string> settings;
  std::string source;  // where it was written ("server.yaml:12:7"); "" = named after the receiver
};

// Validates the settings against the type's keys and builds the notifier.
Result<std::unique_ptr<Notifier>> MakeNotifier(const ReceiverConfig& config, Clock& clock = SystemClock());

// Checks every item of a list of receiver mappings (type known, keys
// declared and well-typed, names valid and unique) without building them.
Result<std::vector<ReceiverConfig>> ParseReceiverConfigs(const std::vector<ConfigObject>& items);

// Markdown: the common keys, then one table per type.
std::string DescribeReceiverConfig();

}  // namespace kelola
