#include "integrations/slack/slack_message.h"

#include <nlohmann/json.hpp>

#include "integrations/notifier/notification_text.h"
#include "integrations/notifier/notifier_values.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr size_t kHeaderMax = 150;
constexpr size_t kSectionMax = 3000;
constexpr size_t kContextMax = 2000;
constexpr size_t kTextMax = 4000;

json Mrkdwn(const std::string& text, size_t max) { return {{"type", "mrkdwn"}, {"text", TruncateUtf8(text, max)}}; }

// A URL Slack can put in <url|text>: http(s), no characters that end the link.
bool LinkableUrl(const std::string& url) {
  if (!ValidateReceiverUrl("url", url).ok()) return false;
  return url.find_first_of("|<>") == std::string::npos;
}

std::string Link(const std::string& url, const std::string& text) {
  return LinkableUrl(url) ? "<" + url + "|" + SlackEscape(text) + ">" : SlackEscape(text);
}

std::string AlertSection(const Alert& a) {
  const bool firing = a.status == AlertStatus::kFiring;
  auto name = a.labels.find("alertname");
  std::string title = name != a.labels.end() ? name->second : "alert";
  std::string text = std::string(firing ? ":red_circle: *Firing*" : ":white_check_mark: *Resolved*") + " — *" +
                     Link(a.generator_url, title) + "*";
  text += "\n" + SlackEscape(AlertSummary(a));
  if (auto d = a.annotations.find("description"); d != a.annotations.end() && a.annotations.count("summary")) {
    text += "\n" + SlackEscape(d->second);
  }
  return text;
}

std::string AlertContext(const Alert& a) {
  std::string text;
  for (const auto& [k, v] : a.labels) {
    if (k == "alertname") continue;
    text += (text.empty() ? "" : "  ") + std::string("`") + SlackEscape(k + "=" + v) + "`";
  }
  text += std::string(text.empty() ? "" : "  ·  ") + "since " + FormatRfc3339(a.starts_at);
  if (a.status == AlertStatus::kResolved && a.ends_at) text += ", resolved " + FormatRfc3339(*a.ends_at);
  return text;
}

}  // namespace

std::string SlackEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string SlackMessageJson(const Notification& n) {
  const std::string title = NotificationTitle(n);
  const bool firing = n.Status() == AlertStatus::kFiring;
  json blocks = json::array();
  blocks.push_back({{"type", "header"},
                    {"text",
                     {{"type", "plain_text"},
                      {"text", TruncateUtf8((firing ? "\xF0\x9F\x94\xA5 " : "\xE2\x9C\x85 ") + title, kHeaderMax)},
                      {"emoji", true}}}});
  const size_t shown = std::min(n.alerts.size(), kMaxSlackAlerts);
  for (size_t i = 0; i < shown; ++i) {
    const Alert& a = n.alerts[i];
    blocks.push_back({{"type", "section"}, {"text", Mrkdwn(AlertSection(a), kSectionMax)}});
    blocks.push_back({{"type", "context"}, {"elements", json::array({Mrkdwn(AlertContext(a), kContextMax)})}});
  }
  const uint64_t more = (n.alerts.size() - shown) + n.truncated_alerts;
  if (more > 0) {
    blocks.push_back(
        {{"type", "context"},
         {"elements", json::array({Mrkdwn("… and " + std::to_string(more) + " more alerts", kContextMax)})}});
  }
  blocks.push_back({{"type", "divider"}});
  std::string footer = firing ? "Firing" : "Resolved: every alert of this group is over";
  footer += "  ·  " + Link(n.external_url, "Open in kelola");
  if (!n.receiver.empty()) footer += "  ·  receiver " + SlackEscape(n.receiver);
  blocks.push_back({{"type", "context"}, {"elements", json::array({Mrkdwn(footer, kContextMax)})}});

  // The fallback names the first alert's summary: it is what a phone shows.
  std::string text = title;
  if (!n.alerts.empty()) text += " — " + AlertSummary(n.alerts.front());
  if (!firing) text += " (resolved)";
  json message = {{"text", TruncateUtf8(SlackEscape(text), kTextMax)}, {"blocks", std::move(blocks)}};
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kelola
