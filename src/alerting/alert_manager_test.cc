// Table tests of the alert lifecycle with a FakeClock and a real SQLite
// store: grouping, group_interval, repeat_interval, resolve, silences,
// inhibition, retries, disabled receivers and restarts.
#include "alerting/alert_manager.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Records every Notification and answers with scripted outcomes (then
// "delivered"): our own Notifier interface, so no server is involved.
class RecordingNotifier final : public Notifier {
 public:
  std::string_view Kind() const override { return "test"; }
  NotifyAttempt Send(const Notification& n) override {
    sent.push_back(n);
    if (script.empty()) return NotifyAttempt{};
    NotifyAttempt a = script.front();
    script.pop_front();
    return a;
  }
  std::vector<Notification> sent;
  std::deque<NotifyAttempt> script;
};

LabelSet L(std::initializer_list<std::pair<const std::string, std::string>> l) { return LabelSet(l); }

AlertSignal Firing(LabelSet labels) {
  AlertSignal s;
  s.labels = std::move(labels);
  s.annotations = {{"summary", "something is wrong"}};
  return s;
}

AlertSignal Inactive(LabelSet labels) {
  AlertSignal s;
  s.labels = std::move(labels);
  s.active = false;
  return s;
}

RoutingConfig RootOnly() {
  RoutingConfig c;
  c.root.receiver = "ops";
  c.root.group_by = {"alertname"};
  c.root.group_wait = seconds(30);
  c.root.group_interval = minutes(5);
  c.root.repeat_interval = hours(4);
  c.root.key = "{}";
  return c;
}

class AlertManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(harness::TempDir::Create("alerting").value());
    OpenStore();
    config_ = RootOnly();
  }
  void OpenStore() {
    manager_.reset();
    store_.reset();
    store_ = std::move(OpenSqliteStore(dir_->File("kelola.db"), clock_).value());
  }
  void StartManager() {
    manager_ = std::make_unique<AlertManager>(config_, *store_, clock_);
    ASSERT_TRUE(manager_->Load().ok());
  }
  void Report(const AlertSignal& s) { ASSERT_TRUE(manager_->Report(s).ok()); }
  void Process() { ASSERT_TRUE(manager_->Process(receivers_).ok()); }
  // Advances in steps of one second, processing after each, as the loop would.
  void Run(Duration d) {
    for (Duration done{}; done < d; done += seconds(1)) {
      clock_.Advance(seconds(1));
      Process();
    }
  }
  std::vector<Event> Events(const std::string& prefix) {
    EventFilter f;
    f.type_prefix = prefix;
    return store_->ListEvents(f).value();
  }
  void AddSilence(const std::string& id, const std::string& matchers, Duration length) {
    Silence s;
    s.id = id;
    s.matchers = ParseMatchers(matchers).value();
    s.starts_at = clock_.Now();
    s.ends_at = clock_.Now() + length;
    s.created_by = "test";
    s.comment = "maintenance";
    ASSERT_TRUE(store_->PutResource(SilenceToResource(s, clock_.Now()), PutOptions{}).ok());
  }

  std::unique_ptr<harness::TempDir> dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  RoutingConfig config_;
  std::unique_ptr<AlertManager> manager_;
  RecordingNotifier ops_;
  RecordingNotifier slack_;
  std::map<std::string, Notifier*> receivers_{{"ops", &ops_}, {"slack", &slack_}};
};

TEST_F(AlertManagerTest, GroupWaitBatchesAlertsIntoOneNotification) {
  StartManager();
  Report(Firing(L({{"alertname", "ErrorSpike"}, {"service", "api"}})));
  Run(seconds(10));
  Report(Firing(L({{"alertname", "ErrorSpike"}, {"service", "web"}})));
  Run(seconds(19));
  EXPECT_TRUE(ops_.sent.empty()) << "sent before group_wait";
  Run(seconds(1));
  ASSERT_EQ(ops_.sent.size(), 1u);
  const Notification& n = ops_.sent[0];
  EXPECT_EQ(n.receiver, "ops");
  EXPECT_EQ(n.alerts.size(), 2u);
  EXPECT_EQ(n.group_labels, L({{"alertname", "ErrorSpike"}}));
  EXPECT_EQ(n.group_key, "{}:{alertname=\"ErrorSpike\"}");
  EXPECT_EQ(n.Status(), AlertStatus::kFiring);
  Run(minutes(10));
  EXPECT_EQ(ops_.sent.size(), 1u) << "nothing changed, repeat_interval not reached";
  EXPECT_EQ(Events("alert.notification.sent").size(), 1u);
  EXPECT_EQ(Events("alert.firing").size(), 2u);
}

TEST_F(AlertManagerTest, GroupIntervalSpacesUpdates) {
  StartManager();
  Report(Firing(L({{"alertname", "ErrorSpike"}, {"service", "api"}})));
  Run(seconds(30));
  ASSERT_EQ(ops_.sent.size(), 1u);
  Run(seconds(30));  // t = 60s
  Report(Firing(L({{"alertname", "ErrorSpike"}, {"service", "web"}})));
  Run(minutes(4) - seconds(1));  // t = 4m59s: next flush is at 5m30s
  EXPECT_EQ(ops_.sent.size(), 1u);
  Run(seconds(31));  // t = 5m30s
  ASSERT_EQ(ops_.sent.size(), 2u);
  EXPECT_EQ(ops_.sent[1].alerts.size(), 2u);
}

TEST_F(AlertManagerTest, RepeatIntervalNotifiesAgain) {
  StartManager();
  Report(Firing(L({{"alertname", "Down"}})));
  Run(seconds(30));
  ASSERT_EQ(ops_.sent.size(), 1u);
  Run(hours(4) - seconds(1));
  EXPECT_EQ(ops_.sent.size(), 1u);
  Run(seconds(1));  // 30s + 4h is a group_interval tick (48 x 5m)
  EXPECT_EQ(ops_.sent.size(), 2u);
  Run(hours(4));
  EXPECT_EQ(ops_.sent.size(), 3u);
}

TEST_F(AlertManagerTest, ResolveNotifiesOnce) {
  StartManager();
  LabelSet labels = L({{"alertname", "Down"}, {"service", "api"}});
  Report(Firing(labels));
  Run(seconds(30));
  ASSERT_EQ(ops_.sent.size(), 1u);
  Run(minutes(1));
  Report(Inactive(labels));
  Run(minutes(4));  // resolves wait for the group_interval tick at 5m30s
  ASSERT_EQ(ops_.sent.size(), 2u);
  EXPECT_EQ(ops_.sent[1].Status(), AlertStatus::kResolved);
  ASSERT_EQ(ops_.sent[1].alerts.size(), 1u);
  EXPECT_TRUE(ops_.sent[1].alerts[0].ends_at.has_value());
  Run(hours(5));
  EXPECT_EQ(ops_.sent.size(), 2u);
  EXPECT_EQ(Events("alert.resolved").size(), 1u);
}

TEST_F(AlertManagerTest, FiredAndResolvedWithinGroupWaitSendsNothing) {
  StartManager();
  LabelSet labels = L({{"alertname", "Blip"}});
  Report(Firing(labels));
  Run(seconds(10));
  Report(Inactive(labels));
  Run(minutes(30));
  EXPECT_TRUE(ops_.sent.empty());
}

TEST_F(AlertManagerTest, PendingFiresAfterForAndDropsWhenInactive) {
  StartManager();
  AlertSignal s = Firing(L({{"alertname", "Slow"}}));
  s.for_duration = minutes(2);
  Report(s);
  ASSERT_EQ(manager_->Alerts().size(), 1u);
  EXPECT_EQ(manager_->Alerts()[0].state, AlertState::kPending);
  Run(minutes(2));
  EXPECT_EQ(manager_->Alerts()[0].state, AlertState::kFiring);
  EXPECT_TRUE(ops_.sent.empty());
  Run(seconds(30));
  EXPECT_EQ(ops_.sent.size(), 1u);

  AlertSignal blip = Firing(L({{"alertname", "Blip"}}));
  blip.for_duration = minutes(2);
  Report(blip);
  Run(minutes(1));
  Report(Inactive(blip.labels));
  EXPECT_EQ(manager_->Alerts().size(), 1u);
  Run(minutes(10));
  EXPECT_EQ(ops_.sent.size(), 1u);
  EXPECT_EQ(Events("alert.pending").size(), 2u);
  EXPECT_EQ(Events("alert.inactive").size(), 1u);
}

TEST_F(AlertManagerTest, SilenceSuppressesAndItsExpiryLetsTheNotificationOut) {
  StartManager();
  AddSilence("s1", R"(service="api")", hours(1));
  Report(Firing(L({{"alertname", "Down"}, {"service", "api"}})));
  Run(minutes(30));
  EXPECT_TRUE(ops_.sent.empty());
  ASSERT_EQ(manager_->Alerts().size(), 1u);
  EXPECT_EQ(manager_->Alerts()[0].silenced_by, std::vector<std::string>{"s1"});
  Run(minutes(30));  // the silence ends at 1h; the next flush is at 1h0m30s
  EXPECT_TRUE(ops_.sent.empty());
  Run(seconds(30));
  ASSERT_EQ(ops_.sent.size(), 1u);
  EXPECT_EQ(Events("alert.silence.expired").size(), 1u);
  auto stored = store_->GetResource("Silence", "s1").value();
  EXPECT_NE(stored.status_json.find("expired"), std::string::npos);
}

TEST_F(AlertManagerTest, InhibitionSuppressesTheTargetWhileTheSourceFires) {
  InhibitRule rule;
  rule.source = ParseMatchers(R"(severity="critical")").value();
  rule.target = ParseMatchers(R"(severity="warning")").value();
  rule.equal = {"service"};
  config_.inhibit_rules.push_back(rule);
  StartManager();
  LabelSet critical = L({{"alertname", "Down"}, {"service", "api"}, {"severity", "critical"}});
  LabelSet warning = L({{"alertname", "Slow"}, {"service", "api"}, {"severity", "warning"}});
  LabelSet other = L({{"alertname", "Slow"}, {"service", "web"}, {"severity", "warning"}});
  Report(Firing(critical));
  Report(Firing(warning));
  Report(Firing(other));
  Run(seconds(30));
  ASSERT_EQ(ops_.sent.size(), 2u);  // Down, and Slow with only service=web
  for (const Notification& n : ops_.sent) {
    for (const Alert& a : n.alerts) EXPECT_NE(a.labels, warning);
  }
  Report(Inactive(critical));
  Run(minutes(5));
  // At 5m30s: Down resolves, and Slow{service=api} is let out.
  ASSERT_EQ(ops_.sent.size(), 4u);
  bool warning_sent = false;
  for (const Alert& a : ops_.sent[2].alerts) warning_sent = warning_sent || a.labels == warning;
  for (const Alert& a : ops_.sent[3].alerts) warning_sent = warning_sent || a.labels == warning;
  EXPECT_TRUE(warning_sent);
}

TEST_F(AlertManagerTest, RetryAfter429WaitsForRetryAfter) {
  StartManager();
  NotifyAttempt limited;
  limited.kind = NotifyAttempt::Kind::kRetry;
  limited.http_status = 429;
  limited.retry_after = minutes(2);
  limited.detail = "rate limited";
  ops_.script.push_back(limited);
  Report(Firing(L({{"alertname", "Down"}})));
  Run(seconds(30));
  ASSERT_EQ(ops_.sent.size(), 1u);
  Run(minutes(2) - seconds(1));
  EXPECT_EQ(ops_.sent.size(), 1u) << "retried before Retry-After";
  Run(seconds(1));
  EXPECT_EQ(ops_.sent.size(), 2u);
  auto failed = Events("alert.notification.failed");
  ASSERT_EQ(failed.size(), 1u);
  auto data = nlohmann::json::parse(failed[0].data_json);
  EXPECT_EQ(data["httpStatus"], 429);
  EXPECT_EQ(data["outcome"], "retry");
  EXPECT_EQ(data["receiver"], "ops");
  EXPECT_EQ(data["detail"], "rate limited");
  EXPECT_EQ(Events("alert.notification.sent").size(), 1u);
  Run(minutes(30));
  EXPECT_EQ(ops_.sent.size(), 2u);
}

TEST_F(AlertManagerTest, RetryWithoutRetryAfterBacksOffExponentially) {
  StartManager();
  NotifyAttempt down;
  down.kind = NotifyAttempt::Kind::kRetry;
  down.detail = "connection refused";
  ops_.script = {down, down, down};
  Report(Firing(L({{"alertname", "Down"}})));
  Run(seconds(30));  // attempt 1 at 30s
  Run(seconds(1));   // attempt 2 at 31s (+1s)
  EXPECT_EQ(ops_.sent.size(), 2u);
  Run(seconds(1));
  EXPECT_EQ(ops_.sent.size(), 2u);
  Run(seconds(1));  // attempt 3 at 33s (+2s)
  EXPECT_EQ(ops_.sent.size(), 3u);
  Run(seconds(3));
  EXPECT_EQ(ops_.sent.size(), 3u);
  Run(seconds(1));  // attempt 4 at 37s (+4s), delivered
  EXPECT_EQ(ops_.sent.size(), 4u);
  Run(minutes(3));
  EXPECT_EQ(ops_.sent.size(), 4u);
}

TEST_F(AlertManagerTest, DisabledReceiverIsSkippedAndOthersUnaffected) {
  Route slack = config_.root;
  slack.receiver = "slack";
  slack.continue_matching = true;
  slack.key = "{}/{}/0";
  Route ops = config_.root;
  ops.key = "{}/{}/1";
  config_.routes = {slack, ops};
  StartManager();
  NotifyAttempt archived;
  archived.kind = NotifyAttempt::Kind::kReceiverDisabled;
  archived.http_status = 410;
  archived.detail = "channel_is_archived";
  slack_.script.push_back(archived);
  Report(Firing(L({{"alertname", "Down"}})));
  Run(seconds(30));
  EXPECT_EQ(slack_.sent.size(), 1u);
  EXPECT_EQ(ops_.sent.size(), 1u);
  EXPECT_TRUE(manager_->ReceiverDisabled("slack"));
  Report(Firing(L({{"alertname", "Other"}})));
  Run(hours(5));
  EXPECT_EQ(slack_.sent.size(), 1u);
  EXPECT_EQ(ops_.sent.size(), 4u);  // Down, Other, and each again after repeat_interval
  auto disabled = Events("alert.receiver.disabled");
  ASSERT_EQ(disabled.size(), 1u);
  EXPECT_EQ(disabled[0].subject, "receiver/slack");
}

TEST_F(AlertManagerTest, RejectedWaitsForTheNextGroupInterval) {
  StartManager();
  NotifyAttempt bad;
  bad.kind = NotifyAttempt::Kind::kRejected;
  bad.http_status = 400;
  ops_.script.push_back(bad);
  Report(Firing(L({{"alertname", "Down"}})));
  Run(seconds(30));
  Run(minutes(5) - seconds(1));
  EXPECT_EQ(ops_.sent.size(), 1u);
  Run(seconds(1));
  EXPECT_EQ(ops_.sent.size(), 2u);
}

TEST_F(AlertManagerTest, RestartNeitherRepeatsNorLosesTheResolve) {
  StartManager();
  LabelSet labels = L({{"alertname", "Down"}, {"service", "api"}});
  Report(Firing(labels));
  Run(seconds(30));
  ASSERT_EQ(ops_.sent.size(), 1u);

  OpenStore();  // the server stops and starts again
  StartManager();
  Report(Firing(labels));  // the detector still sees it
  Run(minutes(10));
  EXPECT_EQ(ops_.sent.size(), 1u) << "re-notified after restart";
  Report(Inactive(labels));

  OpenStore();
  StartManager();
  Run(seconds(1));
  ASSERT_EQ(ops_.sent.size(), 2u);
  EXPECT_EQ(ops_.sent[1].Status(), AlertStatus::kResolved);

  OpenStore();
  StartManager();
  Run(hours(5));
  EXPECT_EQ(ops_.sent.size(), 2u) << "resolve sent twice";
}

TEST_F(AlertManagerTest, StatePersistsAsResources) {
  StartManager();
  Report(Firing(L({{"alertname", "Down"}})));
  Run(seconds(30));
  auto alerts = ListAllResources(*store_, "Alert").value();
  ASSERT_EQ(alerts.size(), 1u);
  auto back = AlertFromResource(alerts[0]).value();
  EXPECT_EQ(back.state, AlertState::kFiring);
  EXPECT_EQ(back.alert.labels, L({{"alertname", "Down"}}));
  auto groups = ListAllResources(*store_, "AlertGroup").value();
  ASSERT_EQ(groups.size(), 1u);
  auto entry = NotifyLogFromResource(groups[0]).value();
  EXPECT_EQ(entry.receiver, "ops");
  EXPECT_EQ(entry.firing.size(), 1u);
}

TEST_F(AlertManagerTest, RetryAfterLongerThanGroupIntervalIsHonoured) {
  StartManager();
  NotifyAttempt limited;
  limited.kind = NotifyAttempt::Kind::kRetry;
  limited.http_status = 429;
  limited.retry_after = minutes(12);
  ops_.script.push_back(limited);
  Report(Firing(L({{"alertname", "Down"}})));
  Run(seconds(30));
  ASSERT_EQ(ops_.sent.size(), 1u);
  Run(minutes(12) - seconds(1));  // two group_interval flushes pass meanwhile
  EXPECT_EQ(ops_.sent.size(), 1u);
  Run(seconds(1));
  EXPECT_EQ(ops_.sent.size(), 2u);
}

TEST_F(AlertManagerTest, ExpiredSilencesAreDeletedAfterRetention) {
  StartManager();
  AddSilence("old", R"(service="api")", minutes(1));
  Run(minutes(2));
  EXPECT_TRUE(store_->GetResource("Silence", "old").ok());
  clock_.Advance(hours(120) - minutes(2));
  Process();
  EXPECT_TRUE(store_->GetResource("Silence", "old").ok()) << "deleted before its retention";
  clock_.Advance(minutes(1));
  Process();
  EXPECT_EQ(store_->GetResource("Silence", "old").status().code(), StatusCode::kNotFound);
}

TEST_F(AlertManagerTest, ReportRejectsBadLabels) {
  StartManager();
  EXPECT_EQ(manager_->Report(AlertSignal{}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager_->Report(Firing(L({{"bad-name", "x"}}))).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola
