// AlertmanagerNotifier against a local HttpServer standing in for
// Alertmanager's POST /api/v2/alerts: the body must be Alertmanager's
// postableAlerts (its OpenAPI spec, api/v2/openapi.yaml). The real
// Alertmanager is exercised in tests/integration/alertmanager_forward_test.cc.
#include "integrations/alertmanager/alertmanager_notifier.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integrations/alertmanager/postable_alerts.h"
#include "integrations/notifier/receiver_for_test.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using Kind = NotifyAttempt::Kind;
using std::chrono::seconds;

Notification MakeNotification(AlertStatus status) {
  Alert a;
  a.labels = {{"alertname", "NewErrorTemplate"}, {"service", "api"}, {"k8s.pod-name", "api-7d9"}};
  a.annotations = {{"summary", "a new error line: connection reset by <*>"}, {"template.id", "t42"}};
  a.status = status;
  a.starts_at = WallTime(seconds(1'764'237'600));
  if (status == AlertStatus::kResolved) a.ends_at = a.starts_at + seconds(90);
  a.generator_url = "https://kelola.example/v1/logs/templates/t42";
  Notification n;
  n.receiver = "am";
  n.group_key = "{}:{service=\"api\"}";
  n.alerts = {a};
  return n;
}

class AlertmanagerSide : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(am_.started()); }
  testing::RecordingReceiver am_;
  FakeClock clock_{WallTime(seconds(1'764'240'000))};  // 2025-11-27T10:40:00Z
};

TEST_F(AlertmanagerSide, FiringAlertIsAPostableAlert) {
  AlertmanagerOptions o;
  o.url = am_.url("/alertmanager/");  // a route prefix, trailing slash
  auto am = AlertmanagerNotifier::Create(o, clock_);
  ASSERT_TRUE(am.ok()) << am.status().ToString();
  NotifyAttempt a = (*am)->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kDelivered) << a.detail;
  auto got = am_.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/alertmanager/api/v2/alerts");
  EXPECT_EQ(got[0].headers.at("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(got[0].body), json::parse(R"([{
    "labels": {"alertname": "NewErrorTemplate", "k8s_pod_name": "api-7d9", "service": "api"},
    "annotations": {"summary": "a new error line: connection reset by <*>", "template_id": "t42"},
    "startsAt": "2025-11-27T10:00:00Z",
    "generatorURL": "https://kelola.example/v1/logs/templates/t42"}])"))
      << "no endsAt for a firing alert without firing_ttl";
}

TEST_F(AlertmanagerSide, ResolvedAlertEndsInThePast) {
  AlertmanagerOptions o;
  o.url = am_.url("");
  auto am = AlertmanagerNotifier::Create(o, clock_);
  ASSERT_TRUE(am.ok());
  ASSERT_EQ((*am)->Send(MakeNotification(AlertStatus::kResolved)).kind, Kind::kDelivered);
  json body = json::parse(am_.requests().at(0).body);
  EXPECT_EQ(am_.requests().at(0).path, "/api/v2/alerts");
  EXPECT_EQ(body[0]["endsAt"], "2025-11-27T10:01:30Z");
  EXPECT_EQ(body[0]["startsAt"], "2025-11-27T10:00:00Z");
}

TEST(PostableAlerts, FiringTtlAndResolvedWithoutEnd) {
  const WallTime now = WallTime(seconds(1'764'240'000));
  Alert firing;
  firing.labels = {{"alertname", "x"}};
  firing.starts_at = now - seconds(60);
  Alert resolved = firing;
  resolved.status = AlertStatus::kResolved;
  Alert odd = resolved;
  odd.ends_at = firing.starts_at - seconds(5);  // before its start: clamped
  json body = json::parse(PostableAlertsJson({firing, resolved, odd}, now, std::chrono::minutes(15)));
  EXPECT_EQ(body[0]["endsAt"], "2025-11-27T10:55:00Z");
  EXPECT_EQ(body[1]["endsAt"], "2025-11-27T10:40:00Z");
  EXPECT_EQ(body[2]["endsAt"], body[2]["startsAt"]);
  EXPECT_FALSE(body[0].contains("generatorURL"));
}

TEST(PrometheusLabelName, MakesValidNames) {
  EXPECT_EQ(PrometheusLabelName("service"), "service");
  EXPECT_EQ(PrometheusLabelName("k8s.pod-name"), "k8s_pod_name");
  EXPECT_EQ(PrometheusLabelName("9lives"), "_9lives");
  EXPECT_EQ(PrometheusLabelName(""), "_");
  EXPECT_EQ(PrometheusLabelName("caf\xc3\xa9"), "caf__");
}

TEST_F(AlertmanagerSide, AnswersAndAuth) {
  am_.Answer(HttpResponse::Json(400, R"("start time must be before end time")"));
  am_.Answer(HttpResponse::Text(404, "404 page not found"));
  am_.Answer(HttpResponse::Text(503, "unavailable"));
  AlertmanagerOptions o;
  o.url = am_.url("");
  o.auth.username = "kelola";
  o.auth.password = "proxy-pass";
  auto am = AlertmanagerNotifier::Create(o, clock_);
  ASSERT_TRUE(am.ok());
  NotifyAttempt a = (*am)->Send(MakeNotification(AlertStatus::kFiring));
  EXPECT_EQ(a.kind, Kind::kRejected);
  EXPECT_EQ(a.detail, "Alertmanager: 400 \"start time must be before end time\"");
  EXPECT_EQ((*am)->Send(MakeNotification(AlertStatus::kFiring)).kind, Kind::kReceiverDisabled);
  EXPECT_EQ((*am)->Send(MakeNotification(AlertStatus::kFiring)).kind, Kind::kRetry);
  EXPECT_EQ(am_.requests().at(0).headers.at("Authorization"), "Basic a2Vsb2xhOnByb3h5LXBhc3M=");
}

TEST(AlertmanagerNotifierCreate, ErrorsNameTheField) {
  EXPECT_EQ(AlertmanagerNotifier::Create({}).status().message(), "url: required");
  EXPECT_EQ(AlertmanagerNotifier::Create({.url = "http://am:9093/?x=1"}).status().message(),
            "url: Alertmanager's base URL takes no query or fragment");
  auto ok = AlertmanagerNotifier::Create({.url = "http://am:9093"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->endpoint(), "http://am:9093/api/v2/alerts");
}

}  // namespace
}  // namespace kelola
