#include "integrations/pagerduty/pagerduty_event.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "integrations/notifier/notification_text.h"
#include "integrations/notifier/notifier_values.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr size_t kSummaryMax = 1024;  // PagerDuty's limit for payload.summary
constexpr size_t kDetailAlertsMax = 50;
constexpr size_t kLinksMax = 5;

int Rank(std::string_view pd_severity) {
  if (pd_severity == "critical") return 4;
  if (pd_severity == "error") return 3;
  if (pd_severity == "warning") return 2;
  if (pd_severity == "info") return 1;
  return 0;
}

json LabelsJson(const LabelSet& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

std::string Source(const Notification& n, const PagerDutyEventOptions& o) {
  if (!o.source.empty()) return o.source;
  LabelSet common = n.CommonLabels();
  for (const char* key : {"instance", "host", "service"}) {
    if (auto it = common.find(key); it != common.end() && !it->second.empty()) return it->second;
  }
  return "kelola";
}

std::string Severity(const Notification& n, const PagerDutyEventOptions& o) {
  std::string best;
  for (const Alert& a : n.alerts) {
    if (a.status != AlertStatus::kFiring) continue;
    auto it = a.labels.find("severity");
    if (it == a.labels.end()) continue;
    std::string s = PagerDutySeverity(it->second);
    if (Rank(s) > Rank(best)) best = s;
  }
  return best.empty() ? o.default_severity : best;
}

bool IsLink(const std::string& url) { return ValidateReceiverUrl("url", url).ok(); }

}  // namespace

std::string PagerDutyDedupKey(std::string_view group_key) { return Sha256Hex(group_key); }

std::string PagerDutySeverity(std::string_view kelola_severity) {
  std::string s;
  for (char c : kelola_severity) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string, std::less<>> critical = {"critical", "crit",  "fatal", "emergency",
                                                              "emerg",    "alert", "page",  "p1"};
  static const std::set<std::string, std::less<>> error = {"error", "err", "high", "major", "p2"};
  static const std::set<std::string, std::less<>> warning = {"warning", "warn", "medium", "minor", "p3"};
  static const std::set<std::string, std::less<>> info = {"info",  "informational", "notice", "low",
                                                          "debug", "none",          "p4",     "p5"};
  if (critical.count(s)) return "critical";
  if (error.count(s)) return "error";
  if (warning.count(s)) return "warning";
  if (info.count(s)) return "info";
  return "";
}

std::string PagerDutyEventJson(const Notification& n, const PagerDutyEventOptions& o) {
  json event = {{"routing_key", o.routing_key}, {"dedup_key", PagerDutyDedupKey(n.group_key)}};
  if (n.Status() == AlertStatus::kResolved) {
    event["event_action"] = "resolve";
    return event.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  event["event_action"] = "trigger";

  std::string summary = NotificationTitle(n);
  const Alert* first_firing = nullptr;
  WallTime earliest = WallTime::max();
  for (const Alert& a : n.alerts) {
    if (a.status != AlertStatus::kFiring) continue;
    if (first_firing == nullptr) first_firing = &a;
    earliest = std::min(earliest, a.starts_at);
  }
  if (first_firing != nullptr) summary += " — " + AlertSummary(*first_firing);

  json alerts = json::array();
  for (size_t i = 0; i < n.alerts.size() && i < kDetailAlertsMax; ++i) {
    const Alert& a = n.alerts[i];
    json item = {{"status", AlertStatusName(a.status)},
                 {"labels", LabelsJson(a.labels)},
                 {"annotations", LabelsJson(a.annotations)},
                 {"starts_at", FormatRfc3339(a.starts_at)}};
    if (a.ends_at) item["ends_at"] = FormatRfc3339(*a.ends_at);
    if (!a.generator_url.empty()) item["generator_url"] = a.generator_url;
    alerts.push_back(std::move(item));
  }
  json details = {{"num_firing", CountAlerts(n, AlertStatus::kFiring)},
                  {"num_resolved", CountAlerts(n, AlertStatus::kResolved)},
                  {"group_labels", LabelsJson(n.group_labels)},
                  {"common_labels", LabelsJson(n.CommonLabels())},
                  {"common_annotations", LabelsJson(n.CommonAnnotations())},
                  {"alerts", std::move(alerts)}};
  const uint64_t left_out = (n.alerts.size() - std::min(n.alerts.size(), kDetailAlertsMax)) + n.truncated_alerts;
  if (left_out > 0) details["truncated_alerts"] = left_out;

  json payload = {{"summary", TruncateUtf8(summary, kSummaryMax)},
                  {"source", Source(n, o)},
                  {"severity", Severity(n, o)},
                  {"custom_details", std::move(details)}};
  if (first_firing != nullptr) payload["timestamp"] = FormatRfc3339(earliest);
  LabelSet common = n.CommonLabels();
  if (auto it = common.find("service"); it != common.end()) payload["component"] = it->second;
  if (auto it = common.find("alertname"); it != common.end()) payload["class"] = it->second;
  event["payload"] = std::move(payload);

  json links = json::array();
  std::set<std::string> seen;
  if (IsLink(n.external_url)) {
    links.push_back({{"href", n.external_url}, {"text", "Open in kelola"}});
    seen.insert(n.external_url);
  }
  for (const Alert& a : n.alerts) {
    if (links.size() >= kLinksMax) break;
    if (!IsLink(a.generator_url) || !seen.insert(a.generator_url).second) continue;
    auto name = a.labels.find("alertname");
    links.push_back({{"href", a.generator_url},
                     {"text", (name != a.labels.end() ? name->second : std::string("alert")) + " in kelola"}});
  }
  if (!links.empty()) event["links"] = std::move(links);
  event["client"] = "kelola";
  if (IsLink(n.external_url)) event["client_url"] = n.external_url;
  return event.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kelola
