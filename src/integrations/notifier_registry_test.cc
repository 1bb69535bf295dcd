// The receiver registry: settings validated with errors naming the field,
// every type built from config, the docs generated from the same tables,
// and one receiver that times out leaving the others unaffected.
#include "integrations/notifier_registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <sstream>

#include <nlohmann/json.hpp>

#include "integrations/notifier/receiver_for_test.h"

namespace kelola {
namespace {

using Kind = NotifyAttempt::Kind;
using std::chrono::milliseconds;

ConfigSchema ServerLike() {
  ConfigSchema s;
  s.Add({.name = "alerting.receivers", .type = ConfigType::kObjectList, .default_value = "", .description = "r."});
  return s;
}

Result<std::vector<ReceiverConfig>> Parse(const std::string& yaml) {
  auto config = LoadConfigFromString(ServerLike(), yaml, "server.yaml", {}, {});
  if (!config.ok()) return config.status();
  return ParseReceiverConfigs(config->GetObjects("alerting.receivers"));
}

Notification Firing() {
  Alert a;
  a.labels = {{"alertname", "ErrorSpike"}, {"service", "api"}, {"severity", "warning"}};
  a.annotations = {{"summary", "errors of api at 12x baseline"}};
  a.starts_at = WallTime(std::chrono::seconds(1'764'237'600));
  Notification n;
  n.receiver = "r";
  n.group_key = "{}:{service=\"api\"}";
  n.group_labels = {{"service", "api"}};
  n.alerts = {a};
  n.external_url = "https://kelola.example";
  return n;
}

TEST(NotifierRegistry, ParsesEveryTypeFromTheServerConfigAndBuildsThem) {
  auto receivers = Parse(
      "alerting:\n"
      "  receivers:\n"
      "    - name: ops-slack\n"
      "      type: slack\n"
      "      url: https://hooks.slack.com/services/T0/B0/slacksecret\n"
      "      send_resolved: false\n"
      "    - name: oncall\n"
      "      type: pagerduty\n"
      "      routing_key: pdsecret0123456789abcdef01234567\n"
      "      default_severity: critical\n"
      "      timeout: 5s\n"
      "    - name: hook\n"
      "      type: webhook\n"
      "      url: https://hooks.internal/alerts\n"
      "      bearer_token: hooksecret\n"
      "      headers: [\"X-Team: ops\"]\n"
      "      max_alerts: 10\n"
      "    - name: am\n"
      "      type: alertmanager\n"
      "      url: http://alertmanager:9093\n"
      "      firing_ttl: 1h\n"
      "      basic_auth:\n"
      "        username: kelola\n"
      "        password: amsecret\n"
      "      tls:\n"
      "        ca_file: /etc/ssl/am-ca.pem\n");
  ASSERT_TRUE(receivers.ok()) << receivers.status().ToString();
  ASSERT_EQ(receivers->size(), 4u);
  EXPECT_EQ((*receivers)[0].name, "ops-slack");
  EXPECT_EQ((*receivers)[3].settings.at("basic_auth.password"), "amsecret");
  EXPECT_EQ((*receivers)[3].settings.at("tls.ca_file"), "/etc/ssl/am-ca.pem");
  const char* kinds[] = {"slack", "pagerduty", "webhook", "alertmanager"};
  for (size_t i = 0; i < 4; ++i) {
    auto n = MakeNotifier((*receivers)[i]);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ((*n)->Kind(), kinds[i]);
  }
}

TEST(NotifierRegistry, ErrorsNameTheReceiverAndTheField) {
  auto unknown_type = Parse("alerting:\n  receivers:\n    - {name: a, type: email}\n");
  ASSERT_FALSE(unknown_type.ok());
  EXPECT_EQ(unknown_type.status().message(),
            "server.yaml:3:23: type: expected one of alertmanager|pagerduty|slack|webhook, got \"email\"");
  auto no_type = Parse("alerting:\n  receivers:\n    - {name: a}\n");
  ASSERT_FALSE(no_type.ok());
  EXPECT_NE(no_type.status().message().find("type is required"), std::string::npos);
  auto typo = Parse("alerting:\n  receivers:\n    - {name: a, type: slack, urll: https://x}\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("unknown key \"urll\" (did you mean \"url\"?)"), std::string::npos)
      << typo.status().message();
  EXPECT_FALSE(Parse("alerting:\n  receivers:\n    - {name: A, type: slack}\n").ok()) << "bad name";
  auto twice = Parse("alerting:\n  receivers:\n    - {name: a, type: slack}\n    - {name: a, type: webhook}\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("two receivers named \"a\""), std::string::npos);
  auto bad_timeout = Parse("alerting:\n  receivers:\n    - {name: a, type: slack, timeout: soon}\n");
  ASSERT_FALSE(bad_timeout.ok());
  EXPECT_NE(bad_timeout.status().message().find("timeout"), std::string::npos);

  auto no_key = MakeNotifier({.name = "oncall", .type = "pagerduty"});
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().message(), "receiver \"oncall\": routing_key: required");
  auto bad_url = MakeNotifier({.name = "s", .type = "slack", .settings = {{"url", "hooks.slack.com/T/B/secret"}}});
  ASSERT_FALSE(bad_url.ok());
  EXPECT_EQ(bad_url.status().message(), "receiver \"s\": url: must be an http:// or https:// URL");
  auto severity = MakeNotifier(
      {.name = "p", .type = "pagerduty", .settings = {{"routing_key", "k"}, {"default_severity", "urgent"}}});
  ASSERT_FALSE(severity.ok());
  EXPECT_NE(severity.status().message().find("default_severity"), std::string::npos);
  EXPECT_EQ(severity.status().message().find("\"k\""), std::string::npos);
  auto both = MakeNotifier({.name = "w",
                            .type = "webhook",
                            .settings = {{"url", "http://x"}, {"bearer_token", "t"}, {"basic_auth.username", "u"}}});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().message(), "receiver \"w\": bearer_token: exclusive with basic_auth");
  auto header = MakeNotifier({.name = "w", .type = "webhook", .settings = {{"url", "http://x"}, {"headers", "nope"}}});
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().message(), "receiver \"w\": headers[0]: expected \"Name: value\"");
  auto unknown = MakeNotifier({.name = "x", .type = "email"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("type: expected one of"), std::string::npos);
}

TEST(NotifierRegistry, SecretsAreNotInErrors) {
  // A wrongly typed secret is reported without its value.
  auto r =
      MakeNotifier({.name = "p", .type = "pagerduty", .settings = {{"routing_key", "pdsecret"}, {"timeout", "x"}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("pdsecret"), std::string::npos);
}

TEST(NotifierRegistry, OneReceiverTimingOutLeavesTheOthersUnaffected) {
  testing::SilentListener silent;
  testing::RecordingReceiver fast;
  ASSERT_TRUE(fast.started());
  fast.SetHandler([](const HttpRequest& r) {
    if (r.path == "/v2/enqueue") return HttpResponse::Json(202, R"({"status":"success"})");
    return HttpResponse::Text(200, "ok");
  });
  const milliseconds timeout(2000);
  auto slow_slack = MakeNotifier({.name = "slow",
                                  .type = "slack",
                                  .settings = {{"url", silent.url("/services/T/B/slowsecret")}, {"timeout", "2s"}}});
  auto slack = MakeNotifier({.name = "s", .type = "slack", .settings = {{"url", fast.url("/services/T/B/x")}}});
  auto pd = MakeNotifier(
      {.name = "p", .type = "pagerduty", .settings = {{"url", fast.url("/v2/enqueue")}, {"routing_key", "k"}}});
  auto hook = MakeNotifier({.name = "w", .type = "webhook", .settings = {{"url", fast.url("/hook")}}});
  auto am = MakeNotifier({.name = "a", .type = "alertmanager", .settings = {{"url", fast.url("/am")}}});
  for (auto* n : {&slow_slack, &slack, &pd, &hook, &am}) ASSERT_TRUE(n->ok()) << n->status().ToString();

  using Clock = std::chrono::steady_clock;
  const Notification n = Firing();
  auto timed = [&n](Notifier* notifier) {
    auto start = Clock::now();
    NotifyAttempt a = notifier->Send(n);
    return std::make_pair(a, Clock::now() - start);
  };
  auto slow = std::async(std::launch::async, timed, slow_slack->get());
  std::vector<std::future<std::pair<NotifyAttempt, Clock::duration>>> others;
  for (auto* r : {&slack, &pd, &hook, &am}) others.push_back(std::async(std::launch::async, timed, (*r)->get()));

  for (auto& f : others) {
    auto [attempt, took] = f.get();
    EXPECT_EQ(attempt.kind, Kind::kDelivered) << attempt.detail;
    EXPECT_LT(took, timeout) << "a healthy receiver does not wait for the slow one";
  }
  auto [attempt, took] = slow.get();
  EXPECT_EQ(attempt.kind, Kind::kRetry);
  EXPECT_EQ(attempt.detail, "Slack webhook: no answer within 2s");
  EXPECT_GE(took, timeout - milliseconds(50));
  EXPECT_LT(took, timeout + milliseconds(1500)) << "bounded by the configured timeout";
  EXPECT_EQ(fast.requests().size(), 4u);
}

TEST(NotifierRegistry, DocsMatchTheTables) {
  std::ifstream f(std::string(KELOLA_SOURCE_DIR) + "/docs/integrations/notifiers.md");
  ASSERT_TRUE(f) << "docs/integrations/notifiers.md is missing";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find(DescribeReceiverConfig()), std::string::npos)
      << "docs/integrations/notifiers.md must contain the generated tables:\n"
      << DescribeReceiverConfig();
}

}  // namespace
}  // namespace kelola
