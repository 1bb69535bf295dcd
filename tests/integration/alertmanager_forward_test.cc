// Forwarding to the real Prometheus Alertmanager (Debian's
// prometheus-alertmanager, started by tests/harness on loopback):
// AlertmanagerNotifier posts a firing alert → GET /api/v2/alerts lists it
// with our labels; posts it resolved → Alertmanager no longer lists it as
// active. Alertmanager's own webhook notifications for the same alert (sent
// to a local receiver) are compared field by field with what kelola's
// WebhookNotifier sends, so "Alertmanager's webhook shape" is checked
// against Alertmanager itself.
#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "integrations/alertmanager/alertmanager_notifier.h"
#include "integrations/notifier/receiver_for_test.h"
#include "integrations/webhook/webhook_payload.h"
#include "tests/harness/alertmanager_server.h"
#include "tests/harness/http_call.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

// Polls `ready` until it is true or `timeout` passes (real servers, real time).
template <typename F>
bool WaitFor(F ready, Duration timeout = seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ready();
}

json ActiveAlerts(const harness::AlertmanagerServer& am, const std::string& alertname) {
  harness::HttpRequestSpec get;
  get.url = am.url() + "/api/v2/alerts?filter=" + harness::UrlEncode("alertname=\"" + alertname + "\"");
  auto reply = harness::HttpCall(get);
  if (!reply.ok() || reply->status != 200) return json::array();
  return json::parse(reply->body, nullptr, false);
}

// Alertmanager's webhook notifications that reached `hook` with this status.
std::vector<json> HookPayloads(const testing::RecordingReceiver& hook, const std::string& status) {
  std::vector<json> out;
  for (const auto& r : hook.requests()) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_object() && body.value("status", "") == status) out.push_back(std::move(body));
  }
  return out;
}

class AlertmanagerForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(hook_.started());
    // Alertmanager sends its own webhook (send_resolved) to hook_, grouped by service.
    const std::string config =
        "route:\n"
        "  receiver: hook\n"
        "  group_by: [service]\n"
        "  group_wait: 1s\n"
        "  group_interval: 1s\n"
        "  repeat_interval: 1h\n"
        "receivers:\n"
        "  - name: hook\n"
        "    webhook_configs:\n"
        "      - url: " +
        hook_.url("/am-hook") +
        "\n"
        "        send_resolved: true\n";
    auto am = harness::AlertmanagerServer::Start(config);
    if (am.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << am.status().message();
    ASSERT_TRUE(am.ok()) << am.status().ToString();
    am_ = std::move(*am);
  }

  testing::RecordingReceiver hook_;
  std::unique_ptr<harness::AlertmanagerServer> am_;
};

TEST_F(AlertmanagerForwardTest, FiringThenResolvedAsAlertmanagerReportsIt) {
  auto notifier = AlertmanagerNotifier::Create({.url = am_->url(), .http = {.timeout = seconds(5)}});
  ASSERT_TRUE(notifier.ok()) << notifier.status().ToString();

  Alert alert;
  alert.labels = {{"alertname", "KelolaForwardTest"}, {"service", "billing"}, {"severity", "critical"}};
  alert.annotations = {{"summary", "billing error rate at 9x baseline"}};
  // Whole milliseconds in the past: Alertmanager keeps what we send.
  alert.starts_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) -
                    std::chrono::minutes(1);
  alert.generator_url = "https://kelola.example/v1/alerts?rule=billing-errors";
  Notification n;
  n.receiver = "hook";
  n.group_key = "{}:{service=\"billing\"}";
  n.group_labels = {{"service", "billing"}};
  n.alerts = {alert};
  n.external_url = am_->url();

  // 1. Firing: Alertmanager lists it, active, with our labels and annotations.
  NotifyAttempt sent = (*notifier)->Send(n);
  ASSERT_EQ(sent.kind, NotifyAttempt::Kind::kDelivered) << sent.detail << "\nlog:\n"
                                                        << harness::TailOfFile(am_->log_path());
  EXPECT_EQ(sent.http_status, 200);
  json listed;
  ASSERT_TRUE(WaitFor([&] {
    listed = ActiveAlerts(*am_, "KelolaForwardTest");
    return listed.is_array() && listed.size() == 1;
  })) << listed.dump();
  const json& a = listed[0];
  EXPECT_EQ(a["labels"], json({{"alertname", "KelolaForwardTest"}, {"service", "billing"}, {"severity", "critical"}}));
  EXPECT_EQ(a["annotations"]["summary"], "billing error rate at 9x baseline");
  EXPECT_EQ(a["status"]["state"], "active");
  EXPECT_EQ(a["fingerprint"], FingerprintHex(alert.Fingerprint())) << "Alertmanager's fingerprint is ours";
  EXPECT_EQ(a["generatorURL"], alert.generator_url);
  EXPECT_EQ(a["receivers"][0]["name"], "hook");

  // Alertmanager's webhook for the firing group has kelola's webhook shape.
  std::vector<json> firing;
  ASSERT_TRUE(WaitFor([&] { return !(firing = HookPayloads(hook_, "firing")).empty(); }))
      << "Alertmanager sent no webhook; log:\n"
      << harness::TailOfFile(am_->log_path());
  json ours = json::parse(AlertmanagerWebhookJson(n));
  const json& theirs = firing[0];
  ours["groupKey"] = theirs["groupKey"];  // Alertmanager's route path is its own
  EXPECT_EQ(theirs["groupKey"], "{}:{service=\"billing\"}");
  for (const auto& [key, value] : theirs.items()) {
    EXPECT_EQ(ours[key], value) << "webhook field " << key;
  }
  EXPECT_EQ(ours.size(), theirs.size());

  // 2. Resolved: endsAt in the past; Alertmanager no longer lists it as active.
  n.alerts[0].status = AlertStatus::kResolved;
  n.alerts[0].ends_at =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) - seconds(1);
  sent = (*notifier)->Send(n);
  ASSERT_EQ(sent.kind, NotifyAttempt::Kind::kDelivered) << sent.detail;
  ASSERT_TRUE(WaitFor([&] {
    listed = ActiveAlerts(*am_, "KelolaForwardTest");
    return listed.is_array() && listed.empty();
  })) << "still listed: "
      << listed.dump();

  std::vector<json> resolved;
  ASSERT_TRUE(WaitFor([&] { return !(resolved = HookPayloads(hook_, "resolved")).empty(); }))
      << "Alertmanager sent no resolved webhook; log:\n"
      << harness::TailOfFile(am_->log_path());
  ours = json::parse(AlertmanagerWebhookJson(n));
  ours["groupKey"] = resolved[0]["groupKey"];
  for (const auto& [key, value] : resolved[0].items()) {
    EXPECT_EQ(ours[key], value) << "resolved webhook field " << key;
  }
  EXPECT_EQ(resolved[0]["alerts"][0]["endsAt"], FormatGoTime(*n.alerts[0].ends_at));
}

TEST_F(AlertmanagerForwardTest, InvalidAlertIsRejectedNotRetried) {
  auto notifier = AlertmanagerNotifier::Create({.url = am_->url()});
  ASSERT_TRUE(notifier.ok());
  Notification n;
  n.alerts = {Alert{}};  // no labels: Alertmanager refuses it
  NotifyAttempt sent = (*notifier)->Send(n);
  EXPECT_EQ(sent.kind, NotifyAttempt::Kind::kRejected) << sent.detail;
  EXPECT_EQ(sent.http_status, 400);
  EXPECT_NE(sent.detail.find("Alertmanager: 400"), std::string::npos) << sent.detail;
}

}  // namespace
}  // namespace kelola
