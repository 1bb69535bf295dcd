#include "engine/controller_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "engine/fake_store_for_test.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using Execution = ControllerManager::Execution;

// Records every call; answers from a per-key script of outcomes, then with
// success (plus `requeue_after` when set).
class ScriptedReconciler : public Reconciler {
 public:
  explicit ScriptedReconciler(Clock& clock) : clock_(clock) {}

  void FailNext(const std::string& key, int times, Status status) {
    std::lock_guard<std::mutex> l(mu_);
    for (int i = 0; i < times; ++i) script_[key].push_back(status);
  }
  void ThrowNext(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    throw_next_[key] = true;
  }
  void set_requeue_after(std::optional<Duration> d) {
    std::lock_guard<std::mutex> l(mu_);
    requeue_after_ = d;
  }
  std::vector<std::string> TakeCalls() {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    out.swap(calls_);
    return out;
  }
  std::vector<MonoTime> times() {
    std::lock_guard<std::mutex> l(mu_);
    return times_;
  }
  // Blocks until at least `n` calls were made in total (a guard against
  // hangs, not a sleep: it returns as soon as the calls happen).
  bool WaitForTotalCalls(size_t n) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, seconds(30), [&] { return total_ >= n; });
  }

  Result<ReconcileResult> Reconcile(const std::string& key) override {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back(key);
    times_.push_back(clock_.Monotonic());
    ++total_;
    cv_.notify_all();
    if (throw_next_[key]) {
      throw_next_[key] = false;
      throw std::runtime_error("boom");
    }
    auto& queue = script_[key];
    if (!queue.empty()) {
      Status status = queue.front();
      queue.pop_front();
      return status;
    }
    return ReconcileResult{requeue_after_};
  }

 private:
  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::deque<Status>> script_;
  std::map<std::string, bool> throw_next_;
  std::optional<Duration> requeue_after_;
  std::vector<std::string> calls_;
  std::vector<MonoTime> times_;
  size_t total_ = 0;
};

Resource Host(const std::string& name, const std::string& spec = "{}") {
  Resource r;
  r.kind = "Host";
  r.name = name;
  r.spec_json = spec;
  return r;
}

class ControllerManagerTest : public ::testing::Test {
 protected:
  void Put(const Resource& r) { ASSERT_TRUE(store_.PutResource(r, {}).ok()); }

  ControllerOptions Options(const std::string& name = "hosts") {
    ControllerOptions options;
    options.name = name;
    options.kinds = {"Host"};
    options.reconciler = reconciler_;
    options.resync_period = Duration::zero();
    return options;
  }

  // Advances to just before `delay` has passed (nothing runs), then to it
  // (the key runs once).
  void ExpectRetryAfter(Duration delay, const std::string& key) {
    clock_.Advance(delay - nanoseconds(1));
    EXPECT_EQ(manager_.RunPending(), 0u) << "ran before " << delay.count() << "ns";
    clock_.Advance(nanoseconds(1));
    EXPECT_EQ(manager_.RunPending(), 1u) << "did not run at " << delay.count() << "ns";
    EXPECT_EQ(reconciler_->TakeCalls(), std::vector<std::string>{key});
  }

  FakeClock clock_;
  FakeStore store_{clock_};
  std::shared_ptr<ScriptedReconciler> reconciler_ = std::make_shared<ScriptedReconciler>(clock_);
  ControllerManager manager_{store_, clock_};
};

TEST_F(ControllerManagerTest, StartEnqueuesExistingResourcesOfWatchedKinds) {
  Put(Host("b"));
  Put(Host("a"));
  Resource other = Host("c");
  other.kind = "Secret";
  Put(other);
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  EXPECT_EQ(manager_.RunPending(), 2u);
  EXPECT_EQ(reconciler_->TakeCalls(), (std::vector<std::string>{"Host/a", "Host/b"}));
  EXPECT_EQ(manager_.RunPending(), 0u);
}

TEST_F(ControllerManagerTest, StartListsEveryPage) {
  for (int i = 0; i < 1234; ++i) Put(Host(std::to_string(100000 + i)));
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  EXPECT_EQ(manager_.RunPending(), 1234u);
  EXPECT_EQ(store_.list_calls(), 3);
}

TEST_F(ControllerManagerTest, PutDeleteAndUpdateTriggerReconcile) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  EXPECT_EQ(manager_.RunPending(), 0u);

  Put(Host("web-1"));
  EXPECT_EQ(manager_.RunPending(), 1u);
  EXPECT_EQ(reconciler_->TakeCalls(), std::vector<std::string>{"Host/web-1"});

  Put(Host("web-1", R"({"size":2})"));
  EXPECT_EQ(manager_.RunPending(), 1u);
  ASSERT_TRUE(store_.DeleteResource("Host", "web-1", std::nullopt, "test").ok());
  EXPECT_EQ(manager_.RunPending(), 1u);
  EXPECT_EQ(reconciler_->TakeCalls(), (std::vector<std::string>{"Host/web-1", "Host/web-1"}));
}

TEST_F(ControllerManagerTest, IgnoresOtherKindsAndNonResourceEvents) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  Resource secret = Host("db");
  secret.kind = "Secret";
  Put(secret);
  Event audit;
  audit.type = "audit.token.created";
  audit.subject = "Host/web-1";
  ASSERT_TRUE(store_.AppendEvent(audit).ok());
  EXPECT_EQ(manager_.RunPending(), 0u);
}

TEST_F(ControllerManagerTest, BurstOfChangesReconcilesOnce) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  for (int i = 0; i < 5; ++i) Put(Host("web-1", "{\"n\":" + std::to_string(i) + "}"));
  EXPECT_EQ(manager_.RunPending(), 1u);
}

TEST_F(ControllerManagerTest, ControllerWatchingSeveralKindsGetsEach) {
  ControllerOptions options = Options();
  options.kinds = {"Host", "Secret"};
  ASSERT_TRUE(manager_.Register(options).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  Resource secret = Host("x");
  secret.kind = "Secret";
  Put(secret);
  Put(Host("x"));
  EXPECT_EQ(manager_.RunPending(), 2u);
  EXPECT_EQ(reconciler_->TakeCalls(), (std::vector<std::string>{"Secret/x", "Host/x"}));
}

TEST_F(ControllerManagerTest, FailureBacksOffDoublingUpToMax) {
  ControllerOptions options = Options();
  options.backoff = BackoffPolicy{milliseconds(5), milliseconds(40)};
  ASSERT_TRUE(manager_.Register(options).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  reconciler_->FailNext("Host/a", 6, UnavailableError("cloud down"));
  Put(Host("a"));
  ASSERT_EQ(manager_.RunPending(), 1u);
  reconciler_->TakeCalls();
  for (auto delay : {milliseconds(5), milliseconds(10), milliseconds(20), milliseconds(40), milliseconds(40)}) {
    ExpectRetryAfter(delay, "Host/a");
  }
  // The sixth call fails too; the seventh succeeds and nothing follows it.
  ExpectRetryAfter(milliseconds(40), "Host/a");
  clock_.Advance(seconds(3600));
  EXPECT_EQ(manager_.RunPending(), 0u);
  auto stats = manager_.Stats("hosts");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->reconciles, 7);
  EXPECT_EQ(stats->failures, 6);
  EXPECT_EQ(stats->delayed, 0u);
}

TEST_F(ControllerManagerTest, DefaultBackoffCapsAtThousandSeconds) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  reconciler_->FailNext("Host/a", 100, InternalError("still broken"));
  Put(Host("a"));
  ASSERT_EQ(manager_.RunPending(), 1u);
  reconciler_->TakeCalls();
  Duration expected = milliseconds(5);
  for (int i = 0; i < 21; ++i) {
    ExpectRetryAfter(expected, "Host/a");
    expected = std::min<Duration>(expected * 2, seconds(1000));
  }
  EXPECT_EQ(expected, seconds(1000));
}

TEST_F(ControllerManagerTest, SuccessForgetsBackoff) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  reconciler_->FailNext("Host/a", 3, UnavailableError("flaky"));
  Put(Host("a"));
  ASSERT_EQ(manager_.RunPending(), 1u);
  reconciler_->TakeCalls();
  ExpectRetryAfter(milliseconds(5), "Host/a");
  ExpectRetryAfter(milliseconds(10), "Host/a");
  ExpectRetryAfter(milliseconds(20), "Host/a");  // succeeds
  reconciler_->FailNext("Host/a", 1, UnavailableError("flaky again"));
  Put(Host("a", R"({"v":2})"));
  ASSERT_EQ(manager_.RunPending(), 1u);
  reconciler_->TakeCalls();
  ExpectRetryAfter(milliseconds(5), "Host/a");
}

TEST_F(ControllerManagerTest, NonRetryableErrorsAreRetriedWithBackoffToo) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  reconciler_->FailNext("Host/a", 2, InvalidArgumentError("spec.size must be positive"));
  Put(Host("a"));
  ASSERT_EQ(manager_.RunPending(), 1u);
  reconciler_->TakeCalls();
  ExpectRetryAfter(milliseconds(5), "Host/a");
  ExpectRetryAfter(milliseconds(10), "Host/a");
}

TEST_F(ControllerManagerTest, ThrowingReconcilerIsTreatedAsFailure) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  reconciler_->ThrowNext("Host/a");
  Put(Host("a"));
  ASSERT_EQ(manager_.RunPending(), 1u);
  reconciler_->TakeCalls();
  ExpectRetryAfter(milliseconds(5), "Host/a");
  EXPECT_EQ(manager_.Stats("hosts")->failures, 1);
}

TEST_F(ControllerManagerTest, RequeueAfterRunsAgainAtThatTime) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  reconciler_->set_requeue_after(seconds(30));
  Put(Host("a"));
  ASSERT_EQ(manager_.RunPending(), 1u);
  reconciler_->TakeCalls();
  ExpectRetryAfter(seconds(30), "Host/a");
  ExpectRetryAfter(seconds(30), "Host/a");
  reconciler_->set_requeue_after(std::nullopt);
  ExpectRetryAfter(seconds(30), "Host/a");
  clock_.Advance(minutes(10));
  EXPECT_EQ(manager_.RunPending(), 0u);
}

TEST_F(ControllerManagerTest, ResyncEnqueuesEveryResourcePeriodically) {
  Put(Host("a"));
  Put(Host("b"));
  ControllerOptions options = Options();
  options.resync_period = minutes(10);
  ASSERT_TRUE(manager_.Register(options).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  EXPECT_EQ(manager_.RunPending(), 2u);
  reconciler_->TakeCalls();

  clock_.Advance(minutes(10) - nanoseconds(1));
  EXPECT_EQ(manager_.RunPending(), 0u);
  clock_.Advance(nanoseconds(1));
  EXPECT_EQ(manager_.RunPending(), 2u);
  EXPECT_EQ(reconciler_->TakeCalls(), (std::vector<std::string>{"Host/a", "Host/b"}));
  clock_.Advance(minutes(10));
  EXPECT_EQ(manager_.RunPending(), 2u);
  EXPECT_EQ(manager_.Stats("hosts")->resyncs, 3);
}

TEST_F(ControllerManagerTest, FailedResyncIsLoggedAndTriedNextPeriod) {
  Put(Host("a"));
  ControllerOptions options = Options();
  options.resync_period = minutes(1);
  ASSERT_TRUE(manager_.Register(options).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  EXPECT_EQ(manager_.RunPending(), 1u);
  store_.FailListsWith(UnavailableError("database is locked"), 1);
  clock_.Advance(minutes(1));
  EXPECT_EQ(manager_.RunPending(), 0u);
  clock_.Advance(minutes(1));
  EXPECT_EQ(manager_.RunPending(), 1u);
}

TEST_F(ControllerManagerTest, StartFailsWhenListingFailsAndCanBeRetried) {
  Put(Host("a"));
  ASSERT_TRUE(manager_.Register(Options()).ok());
  store_.FailListsWith(UnavailableError("database is locked"), 1);
  Status started = manager_.Start(Execution::kCallerDriven);
  EXPECT_EQ(started.code(), StatusCode::kUnavailable);
  EXPECT_NE(started.message().find("hosts"), std::string::npos) << started.message();
  EXPECT_NE(started.message().find("listing Host"), std::string::npos) << started.message();
  EXPECT_EQ(store_.subscriber_count(), 0u);
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  EXPECT_EQ(manager_.RunPending(), 1u);
}

TEST_F(ControllerManagerTest, EachControllerHasItsOwnQueue) {
  auto other = std::make_shared<ScriptedReconciler>(clock_);
  ControllerOptions second = Options("hosts-audit");
  second.reconciler = other;
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Register(second).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  Put(Host("a"));
  ASSERT_TRUE(manager_.Enqueue("hosts-audit", "Host/manual").ok());
  EXPECT_EQ(manager_.RunPending(), 3u);
  EXPECT_EQ(reconciler_->TakeCalls(), std::vector<std::string>{"Host/a"});
  EXPECT_EQ(other->TakeCalls(), (std::vector<std::string>{"Host/a", "Host/manual"}));
  EXPECT_EQ(manager_.Enqueue("nope", "Host/a").code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_.Stats("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(ControllerManagerTest, RegisterRejectsBadOptions) {
  auto expect_invalid = [&](ControllerOptions options, const std::string& needle) {
    Status s = manager_.Register(std::move(options));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << needle;
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  ControllerOptions o = Options();
  o.name = "";
  expect_invalid(o, "name is empty");
  o = Options();
  o.kinds = {};
  expect_invalid(o, "no kinds");
  o = Options();
  o.kinds = {"Host/x"};
  expect_invalid(o, "invalid kind");
  o = Options();
  o.reconciler = nullptr;
  expect_invalid(o, "reconciler is null");
  o = Options();
  o.workers = 0;
  expect_invalid(o, "workers must be between 1 and 64, got 0");
  o = Options();
  o.resync_period = -seconds(1);
  expect_invalid(o, "resync_period is negative");
  ASSERT_TRUE(manager_.Register(Options()).ok());
  expect_invalid(Options(), "already registered");
}

TEST_F(ControllerManagerTest, LifecycleMisuseIsFailedPrecondition) {
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kCallerDriven).ok());
  EXPECT_EQ(manager_.Register(Options("late")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(manager_.Start().code(), StatusCode::kFailedPrecondition);
  manager_.Stop();
  manager_.Stop();
  EXPECT_EQ(manager_.Start().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_.subscriber_count(), 0u);
  Put(Host("a"));
  EXPECT_EQ(manager_.RunPending(), 0u);
}

// --- worker threads ---------------------------------------------------------

TEST_F(ControllerManagerTest, WorkerThreadsReconcileOnPutAndRetryWhenClockAdvances) {
  reconciler_->FailNext("Host/a", 1, UnavailableError("flaky"));
  ASSERT_TRUE(manager_.Register(Options()).ok());
  ASSERT_TRUE(manager_.Start(Execution::kWorkerThreads).ok());
  Put(Host("a"));
  ASSERT_TRUE(reconciler_->WaitForTotalCalls(1));
  // The retry waits on the fake clock: it needs 5 ms of fake time, which the
  // worker cannot get any other way.
  while (manager_.Stats("hosts")->delayed == 0) std::this_thread::yield();
  clock_.Advance(milliseconds(5));
  ASSERT_TRUE(reconciler_->WaitForTotalCalls(2));
  auto times = reconciler_->times();
  EXPECT_EQ(times[1] - times[0], milliseconds(5));
  manager_.Stop();
}

// Holds each key's reconcile long enough for other workers to collide with it
// if the queue let them, and counts such collisions.
class InFlightDetector : public Reconciler {
 public:
  explicit InFlightDetector(FakeStore& store) : store_(store) {}

  Result<ReconcileResult> Reconcile(const std::string& key) override {
    std::atomic<int>& flag = in_flight_[key == "Host/a" ? 0 : key == "Host/b" ? 1 : 2];
    if (flag.fetch_add(1) != 0) overlaps_.fetch_add(1);
    for (int i = 0; i < 50; ++i) std::this_thread::yield();
    auto parts = ParseResourceKey(key);
    auto resource = store_.GetResource(parts->kind, parts->name);
    flag.fetch_sub(1);
    std::lock_guard<std::mutex> l(mu_);
    if (resource.ok()) last_spec_[key] = resource->spec_json;
    cv_.notify_all();
    return ReconcileResult{};
  }

  bool WaitUntilSeen(const std::map<std::string, std::string>& wanted) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, seconds(30), [&] {
      for (const auto& [key, spec] : wanted) {
        if (last_spec_[key] != spec) return false;
      }
      return true;
    });
  }
  int overlaps() const { return overlaps_.load(); }

 private:
  FakeStore& store_;
  std::atomic<int> in_flight_[3] = {};
  std::atomic<int> overlaps_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::string> last_spec_;
};

TEST_F(ControllerManagerTest, SameKeyIsNeverReconciledConcurrently) {
  auto detector = std::make_shared<InFlightDetector>(store_);
  ControllerOptions options = Options();
  options.reconciler = detector;
  options.workers = 4;
  ASSERT_TRUE(manager_.Register(options).ok());
  ASSERT_TRUE(manager_.Start(Execution::kWorkerThreads).ok());
  std::map<std::string, std::string> final_specs;
  for (int i = 0; i < 300; ++i) {
    for (const char* name : {"a", "b", "c"}) {
      std::string spec = "{\"n\":" + std::to_string(i) + "}";
      Put(Host(name, spec));
      final_specs[std::string("Host/") + name] = spec;
    }
  }
  // Level-triggered: whatever was skipped by dedup, the last state is seen.
  EXPECT_TRUE(detector->WaitUntilSeen(final_specs));
  manager_.Stop();
  EXPECT_EQ(detector->overlaps(), 0);
}

// Blocks inside Reconcile until released, to observe Stop() waiting for it.
class BlockingReconciler : public Reconciler {
 public:
  Result<ReconcileResult> Reconcile(const std::string&) override {
    std::unique_lock<std::mutex> l(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(l, [&] { return released_; });
    finished_ = true;
    return ReconcileResult{};
  }
  bool WaitEntered() {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, seconds(30), [&] { return entered_; });
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool finished() {
    std::lock_guard<std::mutex> l(mu_);
    return finished_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
  bool finished_ = false;
};

TEST_F(ControllerManagerTest, StopWaitsForReconcileInFlightAndJoinsWorkers) {
  auto blocking = std::make_shared<BlockingReconciler>();
  ControllerOptions options = Options();
  options.reconciler = blocking;
  options.workers = 2;
  options.resync_period = minutes(5);
  ASSERT_TRUE(manager_.Register(options).ok());
  ASSERT_TRUE(manager_.Start(Execution::kWorkerThreads).ok());
  Put(Host("a"));
  ASSERT_TRUE(blocking->WaitEntered());
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    manager_.Stop();
    stopped = true;
  });
  EXPECT_FALSE(stopped.load());
  blocking->Release();
  stopper.join();
  EXPECT_TRUE(blocking->finished());
  EXPECT_EQ(store_.subscriber_count(), 0u);
  EXPECT_EQ(manager_.Stats("hosts")->reconciles, 1);
}

TEST_F(ControllerManagerTest, ResyncThreadFollowsFakeClock) {
  Put(Host("a"));
  ControllerOptions options = Options();
  options.resync_period = minutes(10);
  ASSERT_TRUE(manager_.Register(options).ok());
  ASSERT_TRUE(manager_.Start(Execution::kWorkerThreads).ok());
  ASSERT_TRUE(reconciler_->WaitForTotalCalls(1));
  clock_.Advance(minutes(10));
  ASSERT_TRUE(reconciler_->WaitForTotalCalls(2));
  manager_.Stop();
  EXPECT_EQ(manager_.Stats("hosts")->resyncs, 2);
}

TEST(ControllerManagerDestructorTest, DestructorStopsRunningManager) {
  FakeClock clock;
  FakeStore store(clock);
  auto reconciler = std::make_shared<ScriptedReconciler>(clock);
  {
    ControllerManager manager(store, clock);
    ControllerOptions options;
    options.name = "hosts";
    options.kinds = {"Host"};
    options.reconciler = reconciler;
    options.workers = 3;
    ASSERT_TRUE(manager.Register(options).ok());
    ASSERT_TRUE(manager.Start().ok());
    EXPECT_EQ(store.subscriber_count(), 1u);
  }
  EXPECT_EQ(store.subscriber_count(), 0u);
}

}  // namespace
}  // namespace kelola
