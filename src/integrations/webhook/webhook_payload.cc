#include "integrations/webhook/webhook_payload.h"

#include <nlohmann/json.hpp>

#include "integrations/notifier/notifier_values.h"

namespace kelola {
namespace {

// Keys in Alertmanager's order (template.Data, then the webhook Message).
using json = nlohmann::ordered_json;

json KV(const LabelSet& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

}  // namespace

std::string AlertmanagerWebhookJson(const Notification& in, size_t max_alerts) {
  Notification n = in;
  uint64_t truncated = in.truncated_alerts;
  if (max_alerts > 0 && n.alerts.size() > max_alerts) {
    truncated += n.alerts.size() - max_alerts;
    n.alerts.resize(max_alerts);
  }
  json alerts = json::array();
  for (const Alert& a : n.alerts) {
    json item;
    item["status"] = AlertStatusName(a.status);
    item["labels"] = KV(a.labels);
    item["annotations"] = KV(a.annotations);
    item["startsAt"] = FormatGoTime(a.starts_at);
    item["endsAt"] = a.ends_at ? FormatGoTime(*a.ends_at) : std::string(kGoZeroTime);
    item["generatorURL"] = a.generator_url;
    item["fingerprint"] = FingerprintHex(a.Fingerprint());
    alerts.push_back(std::move(item));
  }
  json msg;
  msg["receiver"] = n.receiver;
  msg["status"] = AlertStatusName(n.Status());
  msg["alerts"] = std::move(alerts);
  msg["groupLabels"] = KV(n.group_labels);
  msg["commonLabels"] = KV(n.CommonLabels());
  msg["commonAnnotations"] = KV(n.CommonAnnotations());
  msg["externalURL"] = n.external_url;
  msg["version"] = "4";
  msg["groupKey"] = n.group_key;
  msg["truncatedAlerts"] = truncated;
  return msg.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kelola
