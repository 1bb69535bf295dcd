// PagerDutyNotifier against a local HttpServer playing PagerDuty's Events
// API v2 (POST /v2/enqueue): every field is checked against the published
// event format (developer.pagerduty.com, "Send an Alert Event"), and the
// server answers as PagerDuty does — 202 {"status":"success",...}, 400
// {"status":"invalid event","errors":[...]}, 429, 5xx.
#include "integrations/pagerduty/pagerduty_notifier.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "integrations/notifier/receiver_for_test.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using Kind = NotifyAttempt::Kind;

const std::string kRoutingKey = "R0UT1NGKEY0123456789abcdefABCDEF";

Alert MakeAlert(const std::string& host, const std::string& severity, AlertStatus status) {
  Alert a;
  a.labels = {{"alertname", "ServiceSilent"}, {"service", "billing"}, {"host", host}, {"severity", severity}};
  a.annotations = {{"summary", "billing on " + host + " stopped logging"}};
  a.status = status;
  a.starts_at = WallTime(std::chrono::seconds(1'764'237'600)) + std::chrono::milliseconds(125);
  if (status == AlertStatus::kResolved) a.ends_at = a.starts_at + std::chrono::minutes(3);
  a.generator_url = "https://kelola.example/v1/alerts?rule=silence-" + host;
  return a;
}

Notification MakeNotification(AlertStatus status) {
  Notification n;
  n.receiver = "oncall";
  n.group_key = "{}/{severity=~\"critical|warning\"}:{service=\"billing\"}";
  n.group_labels = {{"service", "billing"}};
  n.alerts = {MakeAlert("web-1", "warning", status), MakeAlert("web-2", "critical", status)};
  n.external_url = "https://kelola.example";
  return n;
}

// PagerDuty's published constraints on an alert event.
void ExpectValidEvent(const json& e) {
  ASSERT_TRUE(e.is_object());
  EXPECT_EQ(e.at("routing_key"), kRoutingKey);
  const std::string action = e.at("event_action");
  EXPECT_TRUE(action == "trigger" || action == "resolve") << action;
  ASSERT_TRUE(e.at("dedup_key").is_string());
  EXPECT_LE(e["dedup_key"].get<std::string>().size(), 255u);
  if (action == "trigger") {
    const json& p = e.at("payload");
    EXPECT_FALSE(p.at("summary").get<std::string>().empty());
    EXPECT_LE(p["summary"].get<std::string>().size(), 1024u);
    EXPECT_FALSE(p.at("source").get<std::string>().empty());
    const std::string sev = p.at("severity");
    EXPECT_TRUE(sev == "critical" || sev == "error" || sev == "warning" || sev == "info") << sev;
    EXPECT_TRUE(p.at("custom_details").is_object());
    for (const json& l : e.value("links", json::array())) {
      EXPECT_TRUE(l.at("href").is_string());
      EXPECT_TRUE(l.at("text").is_string());
    }
  } else {
    EXPECT_EQ(e.size(), 3u) << "a resolve carries routing_key, dedup_key and event_action";
  }
}

class PagerDutySide : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pd_.started());
    pd_.SetFallback(Accepted());
  }

  static HttpResponse Accepted() {
    return HttpResponse::Json(202, R"({"status":"success","message":"Event processed","dedup_key":"x"})");
  }

  std::unique_ptr<PagerDutyNotifier> Make() {
    PagerDutyOptions o;
    o.url = pd_.url("/v2/enqueue");
    o.event.routing_key = kRoutingKey;
    auto made = PagerDutyNotifier::Create(o, clock_);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(*made) : nullptr;
  }

  testing::RecordingReceiver pd_;
  FakeClock clock_;
};

TEST_F(PagerDutySide, TriggerHasThePublishedShape) {
  auto pd = Make();
  NotifyAttempt a = pd->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kDelivered) << a.detail;
  EXPECT_EQ(a.http_status, 202);
  EXPECT_EQ(a.detail, "PagerDuty trigger: 202 Event processed");
  auto got = pd_.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/v2/enqueue");
  EXPECT_EQ(got[0].headers.at("Content-Type"), "application/json");
  json e = json::parse(got[0].body);
  ExpectValidEvent(e);
  EXPECT_EQ(e["event_action"], "trigger");
  EXPECT_EQ(e["dedup_key"], Sha256Hex(MakeNotification(AlertStatus::kFiring).group_key));
  const json& p = e["payload"];
  EXPECT_EQ(p["summary"], "[FIRING:2] billing (ServiceSilent) — billing on web-1 stopped logging");
  EXPECT_EQ(p["source"], "billing") << "no common instance/host: the common service";
  EXPECT_EQ(p["severity"], "critical") << "the highest of warning and critical";
  EXPECT_EQ(p["timestamp"], "2025-11-27T10:00:00.125Z");
  EXPECT_EQ(p["component"], "billing");
  EXPECT_EQ(p["class"], "ServiceSilent");
  const json& d = p["custom_details"];
  EXPECT_EQ(d["num_firing"], 2);
  EXPECT_EQ(d["num_resolved"], 0);
  EXPECT_EQ(d["group_labels"], json({{"service", "billing"}}));
  EXPECT_EQ(d["common_labels"], json({{"alertname", "ServiceSilent"}, {"service", "billing"}}));
  EXPECT_EQ(d["common_annotations"], json::object());
  ASSERT_EQ(d["alerts"].size(), 2u);
  EXPECT_EQ(d["alerts"][1]["labels"]["host"], "web-2");
  EXPECT_EQ(d["alerts"][1]["annotations"]["summary"], "billing on web-2 stopped logging");
  EXPECT_EQ(d["alerts"][1]["status"], "firing");
  EXPECT_EQ(d["alerts"][1]["starts_at"], "2025-11-27T10:00:00.125Z");
  EXPECT_EQ(d["alerts"][1]["generator_url"], "https://kelola.example/v1/alerts?rule=silence-web-2");
  EXPECT_EQ(e["links"], json::parse(R"([
    {"href":"https://kelola.example","text":"Open in kelola"},
    {"href":"https://kelola.example/v1/alerts?rule=silence-web-1","text":"ServiceSilent in kelola"},
    {"href":"https://kelola.example/v1/alerts?rule=silence-web-2","text":"ServiceSilent in kelola"}])"));
  EXPECT_EQ(e["client"], "kelola");
  EXPECT_EQ(e["client_url"], "https://kelola.example");
}

TEST_F(PagerDutySide, TriggerThenResolveWithTheSameDedupKey) {
  auto pd = Make();
  ASSERT_EQ(pd->Send(MakeNotification(AlertStatus::kFiring)).kind, Kind::kDelivered);
  NotifyAttempt resolved = pd->Send(MakeNotification(AlertStatus::kResolved));
  EXPECT_EQ(resolved.kind, Kind::kDelivered) << resolved.detail;
  EXPECT_EQ(resolved.detail, "PagerDuty resolve: 202 Event processed");
  auto got = pd_.requests();
  ASSERT_EQ(got.size(), 2u);
  json trigger = json::parse(got[0].body), resolve = json::parse(got[1].body);
  ExpectValidEvent(resolve);
  EXPECT_EQ(resolve["event_action"], "resolve");
  EXPECT_EQ(resolve["dedup_key"], trigger["dedup_key"]);
  EXPECT_EQ(resolve["routing_key"], kRoutingKey);
}

TEST_F(PagerDutySide, PartlyResolvedGroupStillTriggers) {
  auto pd = Make();
  Notification n = MakeNotification(AlertStatus::kFiring);
  n.alerts[1] = MakeAlert("web-2", "critical", AlertStatus::kResolved);
  ASSERT_EQ(pd->Send(n).kind, Kind::kDelivered);
  json e = json::parse(pd_.requests().at(0).body);
  EXPECT_EQ(e["event_action"], "trigger");
  EXPECT_EQ(e["payload"]["severity"], "warning") << "only firing alerts count";
  EXPECT_EQ(e["payload"]["custom_details"]["num_resolved"], 1);
  EXPECT_EQ(e["payload"]["custom_details"]["alerts"][1]["ends_at"], "2025-11-27T10:03:00.125Z");
}

TEST_F(PagerDutySide, BadRequestIsRejectedWithPagerDutysErrorsAndNoKey) {
  pd_.Answer(HttpResponse::Json(400, R"({"status":"invalid event","message":"Event object is invalid",)"
                                     R"("errors":["'routing_key' R0UT1NGKEY0123456789abcdefABCDEF is unknown"]})"));
  auto pd = Make();
  NotifyAttempt a = pd->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kRejected);
  EXPECT_EQ(a.http_status, 400);
  EXPECT_FALSE(a.retry_after.has_value());
  EXPECT_EQ(a.detail, "PagerDuty trigger: 400 Event object is invalid: 'routing_key' <redacted> is unknown");
}

TEST_F(PagerDutySide, RateLimitAndServerErrorsAreRetried) {
  HttpResponse limited = HttpResponse::Json(
      429, R"({"status":"throttle event","message":"Requests for this service are arriving too quickly."})");
  pd_.Answer(limited);
  limited.headers["Retry-After"] = "120";
  pd_.Answer(limited);
  pd_.Answer(HttpResponse::Json(500, "{}"));
  pd_.Answer(HttpResponse::Text(502, "<html>bad gateway</html>"));
  auto pd = Make();
  NotifyAttempt a = pd->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kRetry);
  EXPECT_EQ(a.http_status, 429);
  EXPECT_EQ(a.retry_after, Duration(kPagerDutyRateLimitBackoff)) << "PagerDuty asks for minutes";
  a = pd->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.retry_after, Duration(std::chrono::seconds(120)));
  a = pd->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kRetry);
  EXPECT_EQ(a.http_status, 500);
  a = pd->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kRetry);
  EXPECT_EQ(a.detail, "PagerDuty trigger: 502 <html>bad gateway</html>");
  EXPECT_EQ(pd_.requests().size(), 4u) << "one request per attempt";
}

TEST_F(PagerDutySide, WrongEndpointDisablesTheReceiver) {
  pd_.Answer(HttpResponse::Text(404, "not found"));
  EXPECT_EQ(Make()->Send(MakeNotification(AlertStatus::kFiring)).kind, Kind::kReceiverDisabled);
}

TEST(PagerDutySeverity, MapsKelolaSeverities) {
  EXPECT_EQ(PagerDutySeverity("CRITICAL"), "critical");
  EXPECT_EQ(PagerDutySeverity("page"), "critical");
  EXPECT_EQ(PagerDutySeverity("fatal"), "critical");
  EXPECT_EQ(PagerDutySeverity("error"), "error");
  EXPECT_EQ(PagerDutySeverity("high"), "error");
  EXPECT_EQ(PagerDutySeverity("warn"), "warning");
  EXPECT_EQ(PagerDutySeverity("warning"), "warning");
  EXPECT_EQ(PagerDutySeverity("info"), "info");
  EXPECT_EQ(PagerDutySeverity("low"), "info");
  EXPECT_EQ(PagerDutySeverity("whatever"), "");
}

TEST(PagerDutyEvent, DefaultsWithoutLabels) {
  Notification n;
  n.group_key = "{}:{}";
  Alert a;
  a.labels = {{"alertname", "X"}};
  n.alerts = {a};
  PagerDutyEventOptions o{.routing_key = kRoutingKey, .source = "", .default_severity = "warning"};
  json e = json::parse(PagerDutyEventJson(n, o));
  ExpectValidEvent(e);
  EXPECT_EQ(e["payload"]["severity"], "warning");
  EXPECT_EQ(e["payload"]["source"], "kelola");
  EXPECT_FALSE(e.contains("links")) << "no external URL, no generator URL";
  EXPECT_FALSE(e.contains("client_url"));
  // Alertmanager's key.Hash(): hex SHA-256 of the group key (sha256sum of "{}:{}").
  EXPECT_EQ(e["dedup_key"], "cc9772a1ec901d26ef71dae861793e4d08979fa5030a3f0a5f3ba549f1f2d0b6");
}

TEST(PagerDutyNotifierCreate, ErrorsNameTheField) {
  EXPECT_EQ(PagerDutyNotifier::Create({}).status().message(), "routing_key: required");
  PagerDutyOptions o;
  o.event.routing_key = kRoutingKey;
  o.url = "events.pagerduty.com";
  EXPECT_EQ(PagerDutyNotifier::Create(o).status().message(), "url: must be an http:// or https:// URL");
  o.url = std::string(kPagerDutyEventsUrl);
  o.event.default_severity = "urgent";
  EXPECT_EQ(PagerDutyNotifier::Create(o).status().message(),
            "default_severity: expected one of critical|error|warning|info, got \"urgent\"");
}

}  // namespace
}  // namespace kelola
