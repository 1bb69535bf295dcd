// WebhookNotifier against a local HttpServer playing a receiver written for
// Alertmanager's webhook_config: the body must be Alertmanager's webhook
// payload, field by field (prometheus.io/docs/alerting/latest/configuration,
// <webhook_config>: version "4", groupKey, truncatedAlerts, status, receiver,
// groupLabels, commonLabels, commonAnnotations, externalURL, alerts[]).
#include "integrations/webhook/webhook_notifier.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integrations/notifier/receiver_for_test.h"
#include "integrations/webhook/webhook_payload.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using Kind = NotifyAttempt::Kind;

Alert MakeAlert(const std::string& template_id, AlertStatus status) {
  Alert a;
  a.labels = {{"alertname", "ErrorSpike"}, {"service", "api"}, {"severity", "critical"}, {"template", template_id}};
  a.annotations = {{"summary", "errors of api at 12x baseline"}, {"runbook_url", "https://runbooks/api"}};
  a.status = status;
  a.starts_at = WallTime(std::chrono::seconds(1'764'237'600)) + std::chrono::microseconds(123'456);
  if (status == AlertStatus::kResolved) a.ends_at = WallTime(std::chrono::seconds(1'764'238'020));
  a.generator_url = "https://kelola.example/v1/alerts?template=" + template_id;
  return a;
}

Notification MakeNotification() {
  Notification n;
  n.receiver = "team-hook";
  n.group_key = "{}:{service=\"api\"}";
  n.group_labels = {{"service", "api"}};
  n.alerts = {MakeAlert("t0", AlertStatus::kFiring), MakeAlert("t1", AlertStatus::kResolved),
              MakeAlert("t2", AlertStatus::kFiring)};
  n.alerts[2].annotations["summary"] = "another summary";
  n.external_url = "https://kelola.example";
  return n;
}

// What Alertmanager 0.25 sends for the same group (fingerprints computed
// independently with FNV-1a 64 over the sorted labels, as prometheus/common).
const char* kExpected = R"({
  "receiver": "team-hook",
  "status": "firing",
  "alerts": [
    {"status": "firing",
     "labels": {"alertname": "ErrorSpike", "service": "api", "severity": "critical", "template": "t0"},
     "annotations": {"runbook_url": "https://runbooks/api", "summary": "errors of api at 12x baseline"},
     "startsAt": "2025-11-27T10:00:00.123456Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "https://kelola.example/v1/alerts?template=t0", "fingerprint": "e7cfa5904f0e09cb"},
    {"status": "resolved",
     "labels": {"alertname": "ErrorSpike", "service": "api", "severity": "critical", "template": "t1"},
     "annotations": {"runbook_url": "https://runbooks/api", "summary": "errors of api at 12x baseline"},
     "startsAt": "2025-11-27T10:00:00.123456Z", "endsAt": "2025-11-27T10:07:00Z",
     "generatorURL": "https://kelola.example/v1/alerts?template=t1", "fingerprint": "e7d3a5904f11f2a2"},
    {"status": "firing",
     "labels": {"alertname": "ErrorSpike", "service": "api", "severity": "critical", "template": "t2"},
     "annotations": {"runbook_url": "https://runbooks/api", "summary": "another summary"},
     "startsAt": "2025-11-27T10:00:00.123456Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "https://kelola.example/v1/alerts?template=t2", "fingerprint": "e7c9a5904f099e1d"}
  ],
  "groupLabels": {"service": "api"},
  "commonLabels": {"alertname": "ErrorSpike", "service": "api", "severity": "critical"},
  "commonAnnotations": {"runbook_url": "https://runbooks/api"},
  "externalURL": "https://kelola.example",
  "version": "4",
  "groupKey": "{}:{service=\"api\"}",
  "truncatedAlerts": 0
})";

class WebhookSide : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(hook_.started()); }

  std::unique_ptr<WebhookNotifier> Make(WebhookOptions o) {
    if (o.url.empty()) o.url = hook_.url("/hooks/alerts");
    auto made = WebhookNotifier::Create(o, clock_);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(*made) : nullptr;
  }

  testing::RecordingReceiver hook_;
  FakeClock clock_;
};

TEST_F(WebhookSide, PayloadIsAlertmanagersFieldByField) {
  auto hook = Make({});
  NotifyAttempt a = hook->Send(MakeNotification());
  EXPECT_EQ(a.kind, Kind::kDelivered) << a.detail;
  EXPECT_EQ(a.http_status, 200);
  auto got = hook_.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/hooks/alerts");
  EXPECT_EQ(got[0].headers.at("Content-Type"), "application/json");
  EXPECT_EQ(got[0].headers.count("Authorization"), 0u);
  const json body = json::parse(got[0].body);
  const json expected = json::parse(kExpected);
  // Field by field, so a failure names the field.
  for (const auto& [key, value] : expected.items()) {
    if (key == "alerts") continue;
    EXPECT_EQ(body.at(key), value) << key;
  }
  ASSERT_EQ(body.at("alerts").size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    for (const auto& [key, value] : expected["alerts"][i].items()) {
      EXPECT_EQ(body["alerts"][i].at(key), value) << "alerts[" << i << "]." << key;
    }
    EXPECT_EQ(body["alerts"][i].size(), expected["alerts"][i].size()) << "no extra alert fields";
  }
  EXPECT_EQ(body.size(), expected.size()) << "no extra top-level fields";
  // And Alertmanager's key order, for receivers that compare text.
  EXPECT_EQ(got[0].body.find("{\"receiver\":"), 0u);
  EXPECT_LT(got[0].body.find("\"externalURL\""), got[0].body.find("\"version\""));
}

TEST_F(WebhookSide, ResolvedGroupAndEmptyLabelSets) {
  Notification n;
  n.receiver = "r";
  n.group_key = "{}:{}";
  Alert a;
  a.status = AlertStatus::kResolved;
  a.ends_at = WallTime(std::chrono::seconds(1'764'238'020));
  n.alerts = {a};
  json body = json::parse(AlertmanagerWebhookJson(n));
  EXPECT_EQ(body["status"], "resolved");
  EXPECT_EQ(body["groupLabels"], json::object());
  EXPECT_EQ(body["alerts"][0]["labels"], json::object());
  EXPECT_EQ(body["alerts"][0]["annotations"], json::object());
  EXPECT_EQ(body["alerts"][0]["fingerprint"], "cbf29ce484222325");  // FNV-1a offset: empty label set
  EXPECT_EQ(body["alerts"][0]["generatorURL"], "");
  EXPECT_EQ(body["externalURL"], "");
}

TEST_F(WebhookSide, MaxAlertsTruncatesAsAlertmanager) {
  WebhookOptions o;
  o.max_alerts = 1;
  auto hook = Make(o);
  Notification n = MakeNotification();
  n.truncated_alerts = 4;  // already cut by the alert manager
  ASSERT_EQ(hook->Send(n).kind, Kind::kDelivered);
  json body = json::parse(hook_.requests().at(0).body);
  ASSERT_EQ(body["alerts"].size(), 1u);
  EXPECT_EQ(body["truncatedAlerts"], 6);
  // Common labels are computed over the alerts sent, as Alertmanager does.
  EXPECT_EQ(body["commonLabels"]["template"], "t0");
  EXPECT_EQ(body["commonAnnotations"]["summary"], "errors of api at 12x baseline");
}

TEST_F(WebhookSide, BearerAndBasicAuthHeaders) {
  WebhookOptions bearer;
  bearer.auth.bearer_token = "s3cr3t-token";
  bearer.auth.headers = {"X-Scope-OrgID: team-a"};
  ASSERT_EQ(Make(bearer)->Send(MakeNotification()).kind, Kind::kDelivered);
  WebhookOptions basic;
  basic.auth.username = "kelola";
  basic.auth.password = "pa55";
  ASSERT_EQ(Make(basic)->Send(MakeNotification()).kind, Kind::kDelivered);
  auto got = hook_.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].headers.at("Authorization"), "Bearer s3cr3t-token");
  EXPECT_EQ(got[0].headers.at("X-Scope-OrgID"), "team-a");
  EXPECT_EQ(got[1].headers.at("Authorization"), "Basic a2Vsb2xhOnBhNTU=");  // base64("kelola:pa55")
}

TEST_F(WebhookSide, AnswersAreClassifiedAndSecretsRedacted) {
  hook_.SetHandler([](const HttpRequest& r) {
    // A receiver that echoes what it got, credentials included.
    if (r.Header("X-Case") == "") return HttpResponse::Text(500, "bad " + r.Header("Authorization") + " " + r.target);
    return HttpResponse::Text(200, "");
  });
  WebhookOptions o;
  o.url = hook_.url("/hooks/alerts?token=querysecret99");
  o.auth.bearer_token = "s3cr3t-token";
  NotifyAttempt a = Make(o)->Send(MakeNotification());
  EXPECT_EQ(a.kind, Kind::kRetry);
  EXPECT_EQ(a.detail.find("s3cr3t-token"), std::string::npos) << a.detail;
  EXPECT_EQ(a.detail.find("querysecret99"), std::string::npos) << a.detail;
  EXPECT_EQ(ClassifyGenericResponse("webhook", 400, "bad", std::nullopt).kind, Kind::kRejected);
  EXPECT_EQ(ClassifyGenericResponse("webhook", 401, "", std::nullopt).kind, Kind::kRejected);
  EXPECT_EQ(ClassifyGenericResponse("webhook", 410, "", std::nullopt).kind, Kind::kReceiverDisabled);
  NotifyAttempt limited = ClassifyGenericResponse("webhook", 429, "", std::chrono::seconds(7));
  EXPECT_EQ(limited.kind, Kind::kRetry);
  EXPECT_EQ(limited.retry_after, Duration(std::chrono::seconds(7)));
  EXPECT_EQ(limited.detail, "webhook: 429");
  EXPECT_EQ(ClassifyGenericResponse("webhook", 204, "", std::nullopt).kind, Kind::kDelivered);
}

TEST(WebhookNotifierCreate, ErrorsNameTheField) {
  EXPECT_EQ(WebhookNotifier::Create({}).status().message(), "url: required");
  WebhookOptions o;
  o.url = "http://127.0.0.1:1/x";
  o.auth.bearer_token = "a";
  o.auth.password = "b";
  EXPECT_EQ(WebhookNotifier::Create(o).status().message(), "bearer_token: exclusive with basic_auth");
}

}  // namespace
}  // namespace kelola
