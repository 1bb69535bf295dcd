// SlackNotifier against a local HttpServer playing Slack's incoming-webhook
// endpoint: the request is checked against Slack's Block Kit reference
// (block types, text objects and their limits) and answered the way Slack
// answers, errors included (status + bare error code in the body).
#include "integrations/slack/slack_notifier.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integrations/notifier/receiver_for_test.h"
#include "integrations/slack/slack_message.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using Kind = NotifyAttempt::Kind;

const std::string kWebhookPath = "/services/T0001/B0001/XXXXsecretXXXX";

Alert MakeAlert(const std::string& template_id, AlertStatus status) {
  Alert a;
  a.labels = {{"alertname", "ErrorSpike"}, {"service", "api"}, {"severity", "critical"}, {"template", template_id}};
  a.annotations = {{"summary", "Errors of api at 12x baseline <b>&</b>"}, {"description", "from 3/min to 40/min"}};
  a.status = status;
  a.starts_at = WallTime(std::chrono::seconds(1'764'237'600));
  if (status == AlertStatus::kResolved) a.ends_at = a.starts_at + std::chrono::minutes(7);
  a.generator_url = "https://kelola.example/v1/alerts?rule=error-spike&template=" + template_id;
  return a;
}

Notification MakeNotification(AlertStatus status, int alerts = 2) {
  Notification n;
  n.receiver = "ops-slack";
  n.group_key = "{}:{service=\"api\"}";
  n.group_labels = {{"alertname", "ErrorSpike"}, {"service", "api"}};
  for (int i = 0; i < alerts; ++i) n.alerts.push_back(MakeAlert("t" + std::to_string(i), status));
  n.external_url = "https://kelola.example";
  return n;
}

// Every block is one Slack documents for messages, with its required fields.
void ExpectValidBlockKit(const json& message) {
  ASSERT_TRUE(message.is_object());
  ASSERT_TRUE(message["text"].is_string());
  EXPECT_FALSE(message["text"].get<std::string>().empty());
  EXPECT_LE(message["text"].get<std::string>().size(), 4000u);
  ASSERT_TRUE(message["blocks"].is_array());
  EXPECT_LE(message["blocks"].size(), 50u);
  for (const json& b : message["blocks"]) {
    const std::string type = b.at("type");
    if (type == "header") {
      EXPECT_EQ(b.at("text").at("type"), "plain_text");
      EXPECT_LE(b.at("text").at("text").get<std::string>().size(), 150u);
    } else if (type == "section") {
      EXPECT_EQ(b.at("text").at("type"), "mrkdwn");
      EXPECT_LE(b.at("text").at("text").get<std::string>().size(), 3000u);
    } else if (type == "context") {
      ASSERT_TRUE(b.at("elements").is_array());
      EXPECT_GE(b["elements"].size(), 1u);
      EXPECT_LE(b["elements"].size(), 10u);
      for (const json& e : b["elements"]) EXPECT_EQ(e.at("type"), "mrkdwn");
    } else {
      EXPECT_EQ(type, "divider");
      EXPECT_EQ(b.size(), 1u);
    }
  }
}

class SlackSide : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(slack_.started()); }

  std::unique_ptr<SlackNotifier> Make(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    SlackOptions o;
    o.url = slack_.url(kWebhookPath);
    o.http.timeout = timeout;
    auto made = SlackNotifier::Create(o, clock_);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(*made) : nullptr;
  }

  testing::RecordingReceiver slack_;
  FakeClock clock_;
};

TEST_F(SlackSide, FiringMessageHasEveryPart) {
  auto slack = Make();
  NotifyAttempt a = slack->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kDelivered) << a.detail;
  EXPECT_EQ(a.http_status, 200);
  auto got = slack_.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, kWebhookPath);
  EXPECT_EQ(got[0].headers.at("Content-Type"), "application/json");
  json m = json::parse(got[0].body);
  ExpectValidBlockKit(m);
  EXPECT_EQ(m["text"], "[FIRING:2] ErrorSpike api (critical) — Errors of api at 12x baseline &lt;b&gt;&amp;&lt;/b&gt;");
  const json& blocks = m["blocks"];
  ASSERT_EQ(blocks.size(), 1u + 2 * 2 + 2);  // header, 2 x (section, context), divider, footer
  EXPECT_EQ(blocks[0]["type"], "header");
  EXPECT_EQ(blocks[0]["text"]["text"], "\xF0\x9F\x94\xA5 [FIRING:2] ErrorSpike api (critical)");
  EXPECT_EQ(blocks[1]["type"], "section");
  EXPECT_EQ(blocks[1]["text"]["text"],
            ":red_circle: *Firing* — *<https://kelola.example/v1/alerts?rule=error-spike&template=t0|ErrorSpike>*\n"
            "Errors of api at 12x baseline &lt;b&gt;&amp;&lt;/b&gt;\nfrom 3/min to 40/min");
  EXPECT_EQ(blocks[2]["type"], "context");
  EXPECT_EQ(blocks[2]["elements"][0]["text"],
            "`service=api`  `severity=critical`  `template=t0`  ·  since 2025-11-27T10:00:00.000Z");
  EXPECT_EQ(blocks[5]["type"], "divider");
  EXPECT_EQ(blocks[6]["elements"][0]["text"],
            "Firing  ·  <https://kelola.example|Open in kelola>  ·  receiver ops-slack");
}

TEST_F(SlackSide, ResolvedMessageSaysSo) {
  auto slack = Make();
  EXPECT_EQ(slack->Send(MakeNotification(AlertStatus::kResolved, 1)).kind, Kind::kDelivered);
  json m = json::parse(slack_.requests().at(0).body);
  ExpectValidBlockKit(m);
  EXPECT_EQ(m["blocks"][0]["text"]["text"], "\xE2\x9C\x85 [RESOLVED] ErrorSpike api (critical t0)");
  EXPECT_NE(m["text"].get<std::string>().find("[RESOLVED]"), std::string::npos);
  EXPECT_NE(m["text"].get<std::string>().find("(resolved)"), std::string::npos);
  EXPECT_EQ(m["blocks"][1]["text"]["text"].get<std::string>().rfind(":white_check_mark: *Resolved*", 0), 0u);
  EXPECT_NE(m["blocks"][2]["elements"][0]["text"].get<std::string>().find(", resolved 2025-11-27T10:07:00.000Z"),
            std::string::npos);
  EXPECT_EQ(m["blocks"].back()["elements"][0]["text"].get<std::string>().rfind("Resolved: every alert", 0), 0u);
}

TEST_F(SlackSide, ManyAlertsStayWithinFiftyBlocks) {
  Notification n = MakeNotification(AlertStatus::kFiring, 30);
  n.truncated_alerts = 5;
  json m = json::parse(SlackMessageJson(n));
  ExpectValidBlockKit(m);
  EXPECT_EQ(m["blocks"].size(), 1u + 2 * kMaxSlackAlerts + 1 + 2);
  EXPECT_EQ(m["blocks"][1 + 2 * kMaxSlackAlerts]["elements"][0]["text"], "… and 15 more alerts");
}

TEST_F(SlackSide, LongTextIsCutToSlacksLimits) {
  Notification n = MakeNotification(AlertStatus::kFiring, 1);
  n.group_labels = {{"alertname", std::string(500, 'g')}};
  n.alerts[0].annotations["summary"] = std::string(5000, 's');
  ExpectValidBlockKit(json::parse(SlackMessageJson(n)));
}

TEST_F(SlackSide, RateLimitIsRetryWithRetryAfter) {
  HttpResponse limited = HttpResponse::Text(429, "rate_limited");
  limited.headers["Retry-After"] = "30";
  slack_.Answer(limited);
  auto slack = Make();
  NotifyAttempt a = slack->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kRetry);
  EXPECT_EQ(a.http_status, 429);
  ASSERT_TRUE(a.retry_after.has_value());
  EXPECT_EQ(*a.retry_after, std::chrono::seconds(30));
  EXPECT_EQ(a.detail, "Slack webhook: 429 rate limited, retry after 30s");
  EXPECT_EQ(slack_.requests().size(), 1u) << "the notifier never retries by itself";
}

TEST_F(SlackSide, ArchivedChannelDisablesTheReceiver) {
  slack_.Answer(HttpResponse::Text(410, "channel_is_archived"));
  auto slack = Make();
  NotifyAttempt a = slack->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kReceiverDisabled);
  EXPECT_EQ(a.http_status, 410);
  EXPECT_EQ(a.detail, "Slack webhook: 410 channel_is_archived: the channel has been archived");
}

TEST_F(SlackSide, DocumentedErrorsAreClassified) {
  struct Case {
    int status;
    const char* body;
    Kind kind;
  };
  const Case cases[] = {
      {400, "invalid_payload", Kind::kRejected},
      {400, "user_not_found", Kind::kRejected},
      {400, "too_many_attachments", Kind::kRejected},
      {400, "no_service_id", Kind::kReceiverDisabled},
      {403, "action_prohibited", Kind::kReceiverDisabled},
      {403, "posting_to_general_channel_denied", Kind::kReceiverDisabled},
      {403, "invalid_token", Kind::kReceiverDisabled},
      {404, "channel_not_found", Kind::kReceiverDisabled},
      {404, "no_service", Kind::kReceiverDisabled},
      {404, "no_team", Kind::kReceiverDisabled},
      {410, "team_disabled", Kind::kReceiverDisabled},
      {500, "rollup_error", Kind::kRetry},
      {503, "", Kind::kRetry},
      {404, "<html>gone</html>", Kind::kReceiverDisabled},
      {413, "too big", Kind::kRejected},
  };
  auto slack = Make();
  for (const Case& c : cases) {
    slack_.Answer(HttpResponse::Text(c.status, c.body));
    NotifyAttempt a = slack->Send(MakeNotification(AlertStatus::kFiring));
    EXPECT_EQ(a.kind, c.kind) << c.status << " " << c.body << ": " << a.detail;
    EXPECT_EQ(a.http_status, c.status);
    EXPECT_NE(a.detail.find(std::to_string(c.status)), std::string::npos) << a.detail;
  }
}

TEST_F(SlackSide, TimeoutIsRetryWithinTheTimeoutAndNamesNoSecret) {
  testing::SilentListener silent;
  SlackOptions o;
  o.url = silent.url(kWebhookPath);
  o.http.timeout = std::chrono::milliseconds(400);
  auto slack = SlackNotifier::Create(o, clock_);
  ASSERT_TRUE(slack.ok());
  auto start = std::chrono::steady_clock::now();
  NotifyAttempt a = (*slack)->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(a.kind, Kind::kRetry);
  EXPECT_EQ(a.http_status, 0);
  EXPECT_EQ(a.detail, "Slack webhook: no answer within 400ms");
}

TEST_F(SlackSide, SecretNeverInDetailEvenWhenEchoed) {
  slack_.SetHandler([](const HttpRequest& r) { return HttpResponse::Text(500, "boom at " + r.target); });
  auto slack = Make();
  NotifyAttempt a = slack->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kRetry);
  EXPECT_EQ(a.detail.find("XXXXsecretXXXX"), std::string::npos) << a.detail;
  EXPECT_NE(a.detail.find("<redacted>"), std::string::npos) << a.detail;
}

TEST_F(SlackSide, ResolvedAreSkippedWhenSendResolvedIsOff) {
  SlackOptions o;
  o.url = slack_.url(kWebhookPath);
  o.send_resolved = false;
  auto slack = SlackNotifier::Create(o, clock_);
  ASSERT_TRUE(slack.ok());
  EXPECT_EQ((*slack)->Send(MakeNotification(AlertStatus::kResolved)).kind, Kind::kDelivered);
  EXPECT_TRUE(slack_.requests().empty());
}

TEST(SlackNotifierCreate, RejectsABadUrlWithoutQuotingIt) {
  auto made = SlackNotifier::Create({.url = "hooks.slack.com/services/T0/B0/secret"});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().message(), "url: must be an http:// or https:// URL");
}

}  // namespace
}  // namespace kelola
