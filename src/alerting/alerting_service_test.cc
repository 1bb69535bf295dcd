// The service loop on the caller's thread (Step) with a FakeClock: signals
// reach notifiers, and of two replicas on one store only the leader sends.
#include "alerting/alerting_service.h"

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <thread>

#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using std::chrono::seconds;

class CountingNotifier final : public Notifier {
 public:
  std::string_view Kind() const override { return "test"; }
  NotifyAttempt Send(const Notification& n) override {
    std::lock_guard lock(mu);
    sent.push_back(n);
    return NotifyAttempt{};
  }
  size_t Count() {
    std::lock_guard lock(mu);
    return sent.size();
  }
  std::mutex mu;
  std::vector<Notification> sent;
};

RoutingConfig Config() {
  RoutingConfig c;
  c.root.receiver = "ops";
  c.root.group_by = {"alertname"};
  c.root.group_wait = seconds(10);
  c.root.key = "{}";
  return c;
}

AlertingServiceOptions Options(const std::string& holder) {
  AlertingServiceOptions o;
  o.election.holder = holder;
  return o;
}

AlertSignal Signal(bool active) {
  AlertSignal s;
  s.labels = {{"alertname", "ErrorSpike"}, {"service", "api"}};
  s.active = active;
  return s;
}

TEST(AlertingServiceTest, OnlyTheLeaderNotifiesAndAFollowerTakesOverWithoutRepeating) {
  auto dir = harness::TempDir::Create("alerting-svc").value();
  FakeClock clock;
  auto store = OpenSqliteStore(dir->File("kelola.db"), clock).value();
  CountingNotifier a_ops, b_ops;
  auto a = std::make_unique<AlertingService>(*store, clock, Config(), std::map<std::string, Notifier*>{{"ops", &a_ops}},
                                             Options("replica-a"));
  auto b = std::make_unique<AlertingService>(*store, clock, Config(), std::map<std::string, Notifier*>{{"ops", &b_ops}},
                                             Options("replica-b"));
  ASSERT_TRUE(a->Start(false).ok());
  ASSERT_TRUE(b->Start(false).ok());
  a->Step();
  b->Step();
  ASSERT_TRUE(a->IsLeading());
  ASSERT_FALSE(b->IsLeading());
  a->Report(Signal(true));
  b->Report(Signal(true));
  for (int i = 0; i < 20; ++i) {
    clock.Advance(seconds(1));
    a->Step();
    b->Step();
  }
  EXPECT_EQ(a_ops.sent.size(), 1u);
  EXPECT_EQ(b_ops.sent.size(), 0u);

  a->Stop();  // releases the lease: b takes over, from the store
  a.reset();
  for (int i = 0; i < 5; ++i) {
    clock.Advance(seconds(1));
    b->Step();
  }
  ASSERT_TRUE(b->IsLeading());
  b->Report(Signal(true));
  for (int i = 0; i < 60; ++i) {
    clock.Advance(seconds(1));
    b->Step();
  }
  EXPECT_EQ(b_ops.sent.size(), 0u) << "the new leader repeated the notification";
  b->Report(Signal(false));
  for (int i = 0; i < 360; ++i) {
    clock.Advance(seconds(1));
    b->Step();
  }
  ASSERT_EQ(b_ops.sent.size(), 1u);
  EXPECT_EQ(b_ops.sent[0].Status(), AlertStatus::kResolved);
}

// The threads `kelola server` runs: the elector's and the loop's, woken by
// Report() and by the clock.
TEST(AlertingServiceTest, BackgroundLoopSendsOnItsOwn) {
  auto dir = harness::TempDir::Create("alerting-bg").value();
  FakeClock clock;
  auto store = OpenSqliteStore(dir->File("kelola.db"), clock).value();
  CountingNotifier ops;
  AlertingService service(*store, clock, Config(), {{"ops", &ops}}, Options("replica-a"));
  ASSERT_TRUE(service.Start().ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto advance_until = [&](const std::function<bool()>& done) {
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      clock.Advance(std::chrono::milliseconds(100));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return done();
  };
  ASSERT_TRUE(advance_until([&] { return service.IsLeading(); }));
  service.Report(Signal(true));
  ASSERT_TRUE(advance_until([&] { return ops.Count() == 1; }));
  service.Stop();
  EXPECT_EQ(ops.Count(), 1u);
}

}  // namespace
}  // namespace kelola
