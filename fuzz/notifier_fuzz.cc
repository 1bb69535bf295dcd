// libFuzzer target: what the alert notifiers read from outside, and what
// they render from text that came from outside.
//   byte 0 = 0: Slack's answer (status, body) is classified; 1: PagerDuty's.
//     No input may crash; the attempt keeps the status and says why.
//   otherwise: the rest becomes alerts whose labels and annotations are
//     arbitrary bytes (they come from log lines); every payload (Slack,
//     PagerDuty, Alertmanager webhook, postable alerts) must be valid JSON,
//     within Slack's and PagerDuty's size limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "alerting/alert.h"
#include "integrations/alertmanager/postable_alerts.h"
#include "integrations/pagerduty/pagerduty_event.h"
#include "integrations/pagerduty/pagerduty_response.h"
#include "integrations/slack/slack_message.h"
#include "integrations/slack/slack_response.h"
#include "integrations/webhook/webhook_payload.h"

namespace {

using json = nlohmann::json;
using kelola::NotifyAttempt;

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

json ParseOrDie(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) std::abort();
  return doc;
}

void CheckAttempt(const NotifyAttempt& a, int status) {
  if (a.http_status != status || a.detail.empty()) std::abort();
}

std::vector<std::string_view> Split(std::string_view in, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= in.size(); ++i) {
    if (i == in.size() || in[i] == sep) {
      out.push_back(in.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const int status = 100 + (static_cast<unsigned char>(in[1]) * 256 + static_cast<unsigned char>(in[2])) % 500;
  const std::string_view body = in.substr(3);
  if (in[0] == 0) {
    CheckAttempt(kelola::ClassifySlackResponse(status, body, std::nullopt), status);
    return 0;
  }
  if (in[0] == 1) {
    NotifyAttempt a = kelola::ClassifyPagerDutyResponse(status, body, std::nullopt);
    CheckAttempt(a, status);
    if (status == 429 && !a.retry_after) std::abort();
    return 0;
  }

  // Alerts: records separated by '\n', fields by '\x1f': name, value pairs;
  // odd records are resolved.
  kelola::Notification n;
  n.receiver = "fuzz";
  n.group_key = std::string(body.substr(0, 16));
  n.external_url = "https://kelola.example";
  std::vector<std::string_view> records = Split(body, '\n');
  for (size_t r = 0; r < records.size() && r < 64; ++r) {
    kelola::Alert a;
    std::vector<std::string_view> fields = Split(records[r], '\x1f');
    for (size_t f = 0; f + 1 < fields.size(); f += 2) {
      (f % 4 == 0 ? a.labels : a.annotations)[std::string(fields[f])] = std::string(fields[f + 1]);
    }
    if (!fields.empty()) a.generator_url = std::string(fields.back());
    a.status = r % 2 ? kelola::AlertStatus::kResolved : kelola::AlertStatus::kFiring;
    a.starts_at = kelola::WallTime(std::chrono::seconds(1'700'000'000 + static_cast<int64_t>(r)));
    if (a.status == kelola::AlertStatus::kResolved) a.ends_at = a.starts_at + std::chrono::seconds(60);
    n.alerts.push_back(std::move(a));
  }
  if (!n.alerts.empty()) n.group_labels = n.alerts.front().labels;

  json slack = ParseOrDie(kelola::SlackMessageJson(n));
  if (!slack["blocks"].is_array() || slack["blocks"].size() > 50) std::abort();
  if (CodePoints(slack["text"].get<std::string>()) > 4000) std::abort();
  for (const json& b : slack["blocks"]) {
    if (b["type"] == "header" && CodePoints(b["text"]["text"].get<std::string>()) > 150) std::abort();
    if (b["type"] == "section" && CodePoints(b["text"]["text"].get<std::string>()) > 3000) std::abort();
  }
  json pd = ParseOrDie(kelola::PagerDutyEventJson(n, {.routing_key = "k"}));
  if (pd["dedup_key"].get<std::string>().size() != 64) std::abort();
  if (pd.contains("payload") && CodePoints(pd["payload"]["summary"].get<std::string>()) > 1024) std::abort();
  json hook = ParseOrDie(kelola::AlertmanagerWebhookJson(n, 5));
  if (hook["alerts"].size() > 5) std::abort();
  json postable = ParseOrDie(kelola::PostableAlertsJson(
      n.alerts, n.alerts.empty() ? kelola::WallTime{} : n.alerts[0].starts_at, std::chrono::minutes(5)));
  if (postable.size() != n.alerts.size()) std::abort();
  return 0;
}
