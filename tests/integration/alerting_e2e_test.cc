// Log analysis and alerting end to end (issue #6) with the real binary:
// a real `kelola agent` tails a file in a temp dir and ships its lines to
// `kelola server` (no POST /_bulk shortcut); an AlertRule (`frequency`
// detector, 1 s buckets, applied with `kelola apply -f`) watches the ERROR
// lines of service=api; the server's alert lifecycle (group_wait 1s,
// group_interval 2s) notifies a local Slack webhook receiver and a local
// PagerDuty Events v2 receiver (RecordingReceiver, which records every
// request), and the real Debian prometheus-alertmanager.
// The cases, numbered as in the task; all but 4 run in this order on one
// server and one agent (one TEST: gtest_discover_tests runs each TEST in
// its own process, and these cases share the server's state):
//   1. an error spike → exactly one Slack message and one PagerDuty trigger;
//      errors stop → one resolve each (PagerDuty's with the trigger's
//      dedup_key);
//   5. the time from the first spike line being visible in the server's
//      store (polled every 20 ms through GET /v1/logs/query) to each
//      notification request received is printed and loosely bounded;
//   3. `kelola server` restarted while the alert fires (errors go on) →
//      no further notification over four group intervals; then one
//      resolve each;
//   2. a silence (`kelola alerts silence`) on the alert → a new spike is
//      listed as firing and suppressed, and notifies nobody.
//   4. (its own TEST) the real Alertmanager, as a receiver of type
//      alertmanager, lists the firing alert with kelola's fingerprint
//      (GTEST_SKIP when prometheus-alertmanager is not installed).
// The "no notification" checks watch the receivers for a fixed window of
// several group intervals: absence has no condition to wait for.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "integrations/notifier/receiver_for_test.h"
#include "tests/harness/alertmanager_server.h"
#include "tests/harness/child_process.h"
#include "tests/harness/http_call.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr const char* kRule = "api-errors";
constexpr auto kGroupWait = seconds(1);
constexpr auto kGroupInterval = seconds(2);

// A RecordingReceiver that also stamps when each request arrived.
class StampedReceiver {
 public:
  explicit StampedReceiver(std::function<HttpResponse(const HttpRequest&)> answer) {
    receiver_.SetHandler([this, answer](const HttpRequest& r) {
      {
        std::lock_guard lock(mu_);
        times_.push_back(std::chrono::steady_clock::now());
      }
      return answer(r);
    });
  }
  bool started() const { return receiver_.started(); }
  std::string url(const std::string& path) const { return receiver_.url(path); }
  std::vector<testing::ReceivedRequest> requests() const { return receiver_.requests(); }
  size_t count() const { return receiver_.requests().size(); }
  SteadyTime time(size_t i) const {
    std::lock_guard lock(mu_);
    return times_.at(i);
  }

 private:
  testing::RecordingReceiver receiver_;
  mutable std::mutex mu_;
  std::vector<SteadyTime> times_;
};

bool WaitFor(const std::function<bool()>& cond, Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return cond();
}

double Millis(SteadyTime from, SteadyTime to) { return std::chrono::duration<double, std::milli>(to - from).count(); }

class AlertingE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-alerting-e2e");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    std::filesystem::create_directories(dir_->File("logs"));
    ASSERT_TRUE(slack_.started() && pagerduty_.started());
  }

  void TearDown() override {
    StopErrors();
    if (agent_) agent_->Stop(seconds(2));
  }

  std::string ServerConfig(const std::string& alertmanager_url) const {
    std::string routes;
    auto route = [&](const std::string& receiver) {
      routes += "    - receiver: " + receiver + "\n      matchers: 'alertname=\"" + kRule +
                "\"'\n      group_wait: 1s\n      group_interval: 2s\n      repeat_interval: 1h\n"
                "      continue: true\n";
    };
    route("slack");
    route("pd");
    std::string receivers =
        "    - name: slack\n      type: slack\n      url: " + slack_.url("/services/T0/B0/e2e") +
        "\n    - name: pd\n      type: pagerduty\n      routing_key: 0123456789abcdef0123456789abcdef\n      url: " +
        pagerduty_.url("/v2/enqueue") + "\n";
    if (!alertmanager_url.empty()) {
      receivers +=
          "    - name: am\n      type: alertmanager\n      url: " + alertmanager_url + "\n      firing_ttl: 1h\n";
      route("am");
    }
    return "leader:\n  lease_duration: 3s\n  renew_deadline: 2s\n  retry_period: 500ms\n"
           "alerting:\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 2s\n  repeat_interval: 1h\n"
           "  receivers:\n" +
           receivers + "  routes:\n" + routes;
  }

  // The server with the rule applied and live, the agent shipping app.log.
  void StartAll(const std::string& alertmanager_url) {
    auto server = harness::KelolaServer::Start({.data_dir = dir_->File("data"),
                                                .log_path = dir_->File("server.log"),
                                                .config_yaml = ServerConfig(alertmanager_url)});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);

    ASSERT_TRUE(
        harness::WriteFile(dir_->File("rule.yaml"),
                           "apiVersion: kelola.io/v1\nkind: AlertRule\nmetadata:\n  name: " + std::string(kRule) +
                               "\nspec:\n  selector: {service: api}\n  match: \"ERROR\"\n"
                               "  detector: {type: frequency, bucket: 1s, window: 10s, threshold: 10, "
                               "timeframe: 3s}\n  severity: critical\n"
                               "  annotations: {summary: \"error spike on the api\"}\n")
            .ok());
    auto applied = server_->Cli({"apply", "-f", dir_->File("rule.yaml")});
    ASSERT_TRUE(applied.ok() && applied->exit_code == 0) << (applied.ok() ? applied->err : applied.status().ToString());
    // Live at the watcher's next pass: it follows the store's AlertRule change events.
    StartAgent();
    Append("INFO service started\n");
    WaitStored("service started");
  }

  std::string Token() { return server_->AdminToken(); }

  json Get(const std::string& path) {
    auto reply = harness::HttpCall({.url = server_->url() + path, .headers = {"Authorization: Bearer " + Token()}});
    if (!reply.ok() || reply->status != 200) return json();
    return json::parse(reply->body, nullptr, false);
  }

  // The rule's alert as GET /v1/alerts lists it, or null.
  json Alert() {
    json all = Get("/v1/alerts?filter=" + harness::UrlEncode(std::string("alertname=\"") + kRule + "\""));
    if (!all.is_object() || !all.contains("items") || all["items"].empty()) return json();
    return all["items"][0];
  }

  void StartAgent() {
    auto r = server_->Cli({"token", "create", "--name", "agent-1", "--role", "operator"});
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().ToString());
    std::string token = r->out;
    while (!token.empty() && token.back() == '\n') token.pop_back();
    std::string yaml = "name: agent-1\nserver: " + server_->url() + "\ntoken: " + token +
                       "\ndata_dir: " + dir_->File("agent") +
                       "\nmetrics_listen: 127.0.0.1:0\nlabels: [service=api]\npoll_interval: 50ms\n"
                       "file:\n  include: ['" +
                       dir_->File("logs/app.log") +
                       "']\n  read_from: head\nbatch:\n  max_records: 500\n  max_wait: 100ms\n"
                       "retry:\n  initial_backoff: 100ms\n  max_backoff: 500ms\n";
    ASSERT_TRUE(harness::WriteFile(dir_->File("agent.yaml"), yaml).ok());
    auto child =
        harness::ChildProcess::Spawn({.argv = {harness::KelolaBinary(), "agent", "--config", dir_->File("agent.yaml")},
                                      .log_path = dir_->File("agent.log")});
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    agent_ = std::move(*child);
  }

  void Append(const std::string& lines) {
    std::ofstream out(dir_->File("logs/app.log"), std::ios::app);
    out << lines;
  }

  // A burst of 30 ERROR lines, then 10 a second until StopErrors().
  void StartErrors(const std::string& tag) {
    StopErrors();
    errors_on_ = true;
    std::string burst;
    for (int i = 0; i < 30; ++i) burst += "ERROR upstream timeout " + tag + " n=" + std::to_string(i) + "\n";
    Append(burst);
    writer_ = std::thread([this, tag] {
      for (int i = 0; errors_on_; ++i) {
        Append("ERROR upstream timeout " + tag + " steady=" + std::to_string(i) + "\n");
        std::this_thread::sleep_for(milliseconds(100));
      }
    });
  }
  void StopErrors() {
    errors_on_ = false;
    if (writer_.joinable()) writer_.join();
  }

  // How many stored lines contain `text`.
  size_t Stored(const std::string& text) {
    json r = Get("/v1/logs/query?limit=10000&contains=" + harness::UrlEncode(text));
    return r.is_object() && r.contains("items") ? r["items"].size() : 0;
  }

  // When the first line containing `text` became visible in the store.
  SteadyTime WaitStored(const std::string& text) {
    bool found = WaitFor(
        [&] {
          json r = Get("/v1/logs/query?limit=1&contains=" + harness::UrlEncode(text));
          return r.is_object() && r.contains("items") && !r["items"].empty();
        },
        seconds(20));
    EXPECT_TRUE(found) << "no line with '" << text << "' stored\nagent:\n"
                       << harness::TailOfFile(dir_->File("agent.log"));
    return std::chrono::steady_clock::now();
  }

  std::string Diagnostics() {
    return "\nalert: " + Alert().dump() + "\nslack requests: " + std::to_string(slack_.count()) +
           ", pagerduty requests: " + std::to_string(pagerduty_.count()) + "\nserver:\n" + server_->LogTail();
  }

  std::unique_ptr<harness::TempDir> dir_;
  StampedReceiver slack_{[](const HttpRequest&) { return HttpResponse::Text(200, "ok"); }};
  StampedReceiver pagerduty_{[](const HttpRequest& r) {
    json in = json::parse(r.body, nullptr, false);
    std::string key = in.is_object() ? in.value("dedup_key", "") : "";
    return HttpResponse::Json(202,
                              json{{"status", "success"}, {"message", "Event processed"}, {"dedup_key", key}}.dump());
  }};
  std::unique_ptr<harness::KelolaServer> server_;
  std::unique_ptr<harness::ChildProcess> agent_;
  std::atomic<bool> errors_on_{false};
  std::thread writer_;
};

TEST_F(AlertingE2eTest, SpikeNotifiesOnceResolvesSurvivesRestartAndSilenced) {
  ASSERT_NO_FATAL_FAILURE(StartAll(""));

  // ---- 1. spike → one Slack message, one PagerDuty trigger (and 5. the latency).
  auto written = std::chrono::steady_clock::now();
  StartErrors("spike1");
  SteadyTime stored = WaitStored("spike1");
  ASSERT_TRUE(WaitFor([&] { return slack_.count() >= 1 && pagerduty_.count() >= 1; }, seconds(20))) << Diagnostics();
  double slack_ms = Millis(stored, slack_.time(0));
  double pd_ms = Millis(stored, pagerduty_.time(0));
  double goal_ms = 2000 + std::chrono::duration<double, std::milli>(kGroupWait).count();
  std::cout << "latency: first spike line stored -> Slack request " << slack_ms << " ms, -> PagerDuty request " << pd_ms
            << " ms (goal < " << goal_ms << " ms = 2 s + group_wait; store polled every 20 ms); "
            << "line written -> Slack " << Millis(written, slack_.time(0)) << " ms\n";
  RecordProperty("latency_stored_to_slack_ms", static_cast<int>(slack_ms));
  RecordProperty("latency_stored_to_pagerduty_ms", static_cast<int>(pd_ms));
  // Loose bound: the goal plus 2 s for a machine busy with the rest of the suite.
  EXPECT_LT(slack_ms, goal_ms + 2000);
  EXPECT_LT(pd_ms, goal_ms + 2000);

  json slack_msg = json::parse(slack_.requests()[0].body, nullptr, false);
  ASSERT_TRUE(slack_msg.is_object()) << slack_.requests()[0].body;
  std::string text = slack_msg.value("text", "");
  EXPECT_NE(text.find("[FIRING:1]"), std::string::npos) << text;
  EXPECT_NE(text.find(kRule), std::string::npos) << text;
  EXPECT_NE(text.find("error spike on the api"), std::string::npos) << text;
  ASSERT_TRUE(slack_msg["blocks"].is_array() && !slack_msg["blocks"].empty()) << slack_msg.dump();
  EXPECT_EQ(slack_msg["blocks"][0].value("type", ""), "header") << slack_msg.dump();
  EXPECT_NE(slack_msg["blocks"].dump().find(":red_circle: *Firing*"), std::string::npos) << slack_msg.dump();
  EXPECT_NE(slack_msg["blocks"].dump().find(kRule), std::string::npos) << slack_msg.dump();

  json trigger = json::parse(pagerduty_.requests()[0].body, nullptr, false);
  ASSERT_TRUE(trigger.is_object()) << pagerduty_.requests()[0].body;
  EXPECT_EQ(trigger.value("event_action", ""), "trigger");
  EXPECT_EQ(trigger.value("routing_key", ""), "0123456789abcdef0123456789abcdef");
  std::string dedup_key = trigger.value("dedup_key", "");
  EXPECT_EQ(dedup_key.size(), 64u) << trigger.dump();
  EXPECT_EQ(trigger["payload"].value("severity", ""), "critical") << trigger.dump();
  EXPECT_EQ(trigger["payload"].value("class", ""), kRule) << trigger.dump();
  EXPECT_EQ(trigger["payload"].value("component", ""), "api") << trigger.dump();

  // Still one of each after a few group intervals of the spike going on.
  std::this_thread::sleep_for(3 * kGroupInterval);
  EXPECT_EQ(slack_.count(), 1u) << Diagnostics();
  EXPECT_EQ(pagerduty_.count(), 1u) << Diagnostics();

  StopErrors();
  ASSERT_TRUE(WaitFor([&] { return slack_.count() >= 2 && pagerduty_.count() >= 2; }, seconds(20))) << Diagnostics();
  std::this_thread::sleep_for(2 * kGroupInterval);
  EXPECT_EQ(slack_.count(), 2u) << Diagnostics();
  EXPECT_EQ(pagerduty_.count(), 2u) << Diagnostics();
  json slack_resolved = json::parse(slack_.requests()[1].body, nullptr, false);
  EXPECT_NE(slack_resolved.value("text", "").find("[RESOLVED]"), std::string::npos) << slack_resolved.dump();
  json resolve = json::parse(pagerduty_.requests()[1].body, nullptr, false);
  EXPECT_EQ(resolve.value("event_action", ""), "resolve") << resolve.dump();
  EXPECT_EQ(resolve.value("dedup_key", ""), dedup_key);
  EXPECT_EQ(Alert().value("state", ""), "resolved") << Diagnostics();
  std::cout << "case 1 (spike -> one trigger each, one resolve each): done\n";

  // ---- 2. restart while firing → no duplicate notification.
  StartErrors("spike2");
  ASSERT_TRUE(WaitFor([&] { return slack_.count() >= 3 && pagerduty_.count() >= 3; }, seconds(20))) << Diagnostics();
  json trigger2 = json::parse(pagerduty_.requests()[2].body, nullptr, false);
  EXPECT_EQ(trigger2.value("event_action", ""), "trigger");
  size_t before_restart = Stored("spike2");
  ASSERT_TRUE(server_->Restart().ok()) << server_->LogTail();
  // The restarted watcher counts only lines stored after it started: wait
  // for the agent to ship more of the spike, then watch for a while.
  ASSERT_TRUE(WaitFor([&] { return Stored("spike2") >= before_restart + 15; }, seconds(20))) << Diagnostics();
  ASSERT_TRUE(WaitFor([&] { return Alert().value("state", "") == "firing"; }, seconds(10))) << Diagnostics();
  std::this_thread::sleep_for(4 * kGroupInterval);
  EXPECT_EQ(slack_.count(), 3u) << "a notification was repeated after the restart" << Diagnostics();
  EXPECT_EQ(pagerduty_.count(), 3u) << "a notification was repeated after the restart" << Diagnostics();
  StopErrors();
  ASSERT_TRUE(WaitFor([&] { return slack_.count() >= 4 && pagerduty_.count() >= 4; }, seconds(20))) << Diagnostics();
  json resolve2 = json::parse(pagerduty_.requests()[3].body, nullptr, false);
  EXPECT_EQ(resolve2.value("event_action", ""), "resolve") << resolve2.dump();
  EXPECT_EQ(resolve2.value("dedup_key", ""), trigger2.value("dedup_key", "-"));
  std::cout << "case 3 (restart while firing -> no duplicate): done\n";

  // ---- 3. a silence suppresses the notification of a new spike.
  auto silenced = server_->Cli({"alerts", "silence", std::string("alertname=\"") + kRule + "\"", "--duration", "10m",
                                "--comment", "e2e maintenance"});
  ASSERT_TRUE(silenced.ok() && silenced->exit_code == 0) << (silenced.ok() ? silenced->err : "");
  size_t slack_before = slack_.count();
  size_t pd_before = pagerduty_.count();
  StartErrors("spike3");
  ASSERT_TRUE(WaitFor(
      [&] {
        json a = Alert();
        return a.value("state", "") == "firing" && a["status"].value("state", "") == "suppressed";
      },
      seconds(20)))
      << Diagnostics();
  std::this_thread::sleep_for(kGroupWait + 3 * kGroupInterval);
  EXPECT_EQ(slack_.count(), slack_before) << "the silenced alert was notified" << Diagnostics();
  EXPECT_EQ(pagerduty_.count(), pd_before) << "the silenced alert was notified" << Diagnostics();
  StopErrors();
  std::cout << "case 2 (a silence suppresses a new spike): done\n";
}

// 4. The real Alertmanager, a receiver of type alertmanager, lists the alert.
TEST_F(AlertingE2eTest, AlertmanagerListsTheFiringAlert) {
  auto am = harness::AlertmanagerServer::Start();
  if (!am.ok() && am.status().code() == StatusCode::kFailedPrecondition) {
    GTEST_SKIP() << "prometheus-alertmanager is not installed (" << am.status().message() << ")";
  }
  ASSERT_TRUE(am.ok()) << am.status().ToString();
  std::unique_ptr<harness::AlertmanagerServer> alertmanager = std::move(*am);
  ASSERT_NO_FATAL_FAILURE(StartAll(alertmanager->url()));
  StartErrors("spike-am");
  bool listed = WaitFor(
      [&] {
        auto r = harness::HttpCall({.url = alertmanager->url() + "/api/v2/alerts?filter=" +
                                           harness::UrlEncode(std::string("alertname=\"") + kRule + "\"")});
        if (!r.ok() || r->status != 200) return false;
        json alerts = json::parse(r->body, nullptr, false);
        return alerts.is_array() && alerts.size() == 1 && alerts[0]["labels"].value("service", "") == "api" &&
               alerts[0]["status"].value("state", "") == "active" &&
               alerts[0].value("fingerprint", "") == Alert().value("fingerprint", "-");
      },
      seconds(10));
  EXPECT_TRUE(listed) << "Alertmanager does not list the alert\n" << harness::TailOfFile(alertmanager->log_path());
  std::cout << "case 4 (Alertmanager lists the alert): " << (listed ? "done" : "FAILED") << "\n";
  ASSERT_TRUE(WaitFor([&] { return slack_.count() >= 1; }, seconds(10))) << Diagnostics();
  StopErrors();
}

}  // namespace
}  // namespace kelola
