#include "integrations/alertmanager/postable_alerts.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "integrations/notifier/notifier_values.h"

namespace kelola {
namespace {

using json = nlohmann::ordered_json;

json Names(const LabelSet& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[PrometheusLabelName(k)] = v;
  return out;
}

}  // namespace

std::string PrometheusLabelName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    out += ok && static_cast<unsigned char>(c) < 0x80 ? c : '_';
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out.insert(out.begin(), '_');
  return out;
}

std::string PostableAlertsJson(const std::vector<Alert>& alerts, WallTime now, std::chrono::milliseconds firing_ttl) {
  json out = json::array();
  for (const Alert& a : alerts) {
    json item;
    item["labels"] = Names(a.labels);
    item["annotations"] = Names(a.annotations);
    item["startsAt"] = FormatGoTime(a.starts_at);
    if (a.status == AlertStatus::kResolved) {
      WallTime ends = a.ends_at.value_or(now);
      item["endsAt"] = FormatGoTime(std::max(ends, a.starts_at));
    } else if (firing_ttl.count() > 0) {
      item["endsAt"] = FormatGoTime(now + firing_ttl);
    }
    if (!a.generator_url.empty()) item["generatorURL"] = a.generator_url;
    out.push_back(std::move(item));
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kelola
