#include "engine/leader_elector.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "engine/fake_store_for_test.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

LeaderElectionOptions Options(const std::string& holder) {
  LeaderElectionOptions o;
  o.lease = "controller/hosts";
  o.holder = holder;
  o.lease_duration = seconds(15);
  o.renew_deadline = seconds(10);
  o.retry_period = seconds(2);
  return o;
}

// Counts callbacks and lets a thread-mode test wait for them.
struct Transitions {
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  int stopped = 0;
  int64_t last_token = 0;

  LeaderCallbacks Callbacks() {
    return {[this](const Lease& lease) {
              std::lock_guard<std::mutex> l(mu);
              ++started;
              last_token = lease.token;
              cv.notify_all();
            },
            [this] {
              std::lock_guard<std::mutex> l(mu);
              ++stopped;
              cv.notify_all();
            }};
  }
  // A guard against hangs, not a sleep: returns as soon as it happened.
  bool WaitForStarted(int n) {
    std::unique_lock<std::mutex> l(mu);
    return cv.wait_for(l, seconds(30), [&] { return started >= n; });
  }
};

class LeaderElectorTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  FakeStore store_{clock_};
};

TEST_F(LeaderElectorTest, AcquiresAFreeLeaseAndFencesWithItsToken) {
  Transitions t;
  LeaderElector elector(store_, clock_, Options("replica-a"), t.Callbacks());
  EXPECT_FALSE(elector.IsLeading());
  EXPECT_FALSE(elector.Fence().has_value());
  MonoTime next = elector.Tick();
  EXPECT_TRUE(elector.IsLeading());
  EXPECT_EQ(t.started, 1);
  EXPECT_EQ(t.last_token, 1);
  ASSERT_TRUE(elector.Fence().has_value());
  EXPECT_EQ(elector.Fence()->lease, "controller/hosts");
  EXPECT_EQ(elector.Fence()->token, 1);
  EXPECT_EQ(next, clock_.Monotonic() + seconds(2)) << "the next step is a renewal one retry period later";
  elector.Tick();  // not due yet: nothing happens
  EXPECT_EQ(t.started, 1);
}

TEST_F(LeaderElectorTest, RenewalsKeepTheLeaseForAsLongAsTheLeaderRuns) {
  Transitions t;
  LeaderElector leader(store_, clock_, Options("replica-a"), t.Callbacks());
  LeaderElector follower(store_, clock_, Options("replica-b"), {});
  leader.Tick();
  for (int i = 0; i < 30; ++i) {  // a minute of retry periods
    clock_.Advance(seconds(2));
    leader.Tick();
    follower.Tick();
    ASSERT_TRUE(leader.IsLeading()) << "round " << i;
    ASSERT_FALSE(follower.IsLeading()) << "round " << i;
  }
  EXPECT_EQ(t.started, 1);
  EXPECT_EQ(t.stopped, 0);
  auto leases = store_.ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].token, 1) << "renewals keep the token";
  EXPECT_EQ((*leases)[0].expires_at, clock_.Now() + seconds(15));
}

TEST_F(LeaderElectorTest, APausedLeaderLosesTheLeaseToAFollowerAndStepsDownWhenItWakes) {
  Transitions a_events, b_events;
  LeaderElector a(store_, clock_, Options("replica-a"), a_events.Callbacks());
  LeaderElector b(store_, clock_, Options("replica-b"), b_events.Callbacks());
  a.Tick();
  ASSERT_TRUE(a.IsLeading());
  // `a` is paused (SIGSTOP): it does not tick. `b` campaigns every period.
  for (int elapsed = 2; elapsed < 15; elapsed += 2) {
    clock_.Advance(seconds(2));
    b.Tick();
    ASSERT_FALSE(b.IsLeading()) << "the lease is still valid at " << elapsed << " s";
  }
  clock_.Advance(seconds(2));  // 16 s: expired
  b.Tick();
  ASSERT_TRUE(b.IsLeading());
  EXPECT_EQ(b.Fence()->token, 2);

  // `a` wakes up. Until its next step it still believes it leads, but its
  // fence is stale: the store refuses its writes.
  ASSERT_TRUE(a.IsLeading());
  PutOptions stale;
  stale.fence = a.Fence();
  Resource r;
  r.kind = "Host";
  r.name = "web-1";
  EXPECT_EQ(store_.PutResource(r, stale).status().code(), StatusCode::kFailedPrecondition);
  a.Tick();  // past its renew deadline: steps down without asking the store
  EXPECT_FALSE(a.IsLeading());
  EXPECT_EQ(a_events.stopped, 1);
  EXPECT_FALSE(a.Fence().has_value());
  clock_.Advance(seconds(2));
  a.Tick();
  EXPECT_FALSE(a.IsLeading()) << "b's lease is valid: a campaigns in vain";
  EXPECT_TRUE(b.IsLeading());
}

TEST_F(LeaderElectorTest, ALeaderWhoseLeaseWasTakenStepsDownOnItsNextRenewal) {
  Transitions t;
  auto options = Options("replica-a");
  LeaderElector a(store_, clock_, options, t.Callbacks());
  a.Tick();
  // Someone took the lease behind a's back (a released-and-retaken lease,
  // or an operator): the renewal is refused and a stops at once.
  ASSERT_TRUE(store_.ReleaseLease(options.lease, "replica-a", 1).ok());
  ASSERT_TRUE(store_.TryAcquireLease(options.lease, "replica-b", seconds(15)).ok());
  clock_.Advance(seconds(2));
  a.Tick();
  EXPECT_FALSE(a.IsLeading());
  EXPECT_EQ(t.stopped, 1);
}

TEST_F(LeaderElectorTest, GivesUpAtTheRenewDeadlineBeforeTheLeaseCanExpire) {
  Transitions t;
  LeaderElector a(store_, clock_, Options("replica-a"), t.Callbacks());
  a.Tick();
  const WallTime expires = store_.ListLeases()->front().expires_at;
  const MonoTime acquired = clock_.Monotonic();
  store_.FailLeaseCallsWith(UnavailableError("database down"), 1000);
  while (a.IsLeading()) {
    MonoTime next = a.Tick();
    if (!a.IsLeading()) break;
    ASSERT_GT(next, clock_.Monotonic());
    clock_.Advance(next - clock_.Monotonic());
  }
  EXPECT_EQ(clock_.Monotonic() - acquired, seconds(10)) << "exactly the renew deadline after the last success";
  EXPECT_LT(clock_.Now(), expires) << "it stopped acting while its lease still protected it";
  EXPECT_EQ(t.stopped, 1);

  // The database is back: it campaigns again and, the lease having expired
  // meanwhile, starts a new term.
  store_.FailLeaseCallsWith(OkStatus(), 0);
  clock_.Advance(seconds(6));
  a.Tick();
  EXPECT_TRUE(a.IsLeading());
  EXPECT_EQ(a.Fence()->token, 2);
}

TEST_F(LeaderElectorTest, StopReleasesTheLeaseForAnImmediateTakeover) {
  Transitions t;
  LeaderElector a(store_, clock_, Options("replica-a"), t.Callbacks());
  LeaderElector b(store_, clock_, Options("replica-b"), {});
  a.Tick();
  b.Tick();
  ASSERT_FALSE(b.IsLeading());
  a.Stop();
  EXPECT_FALSE(a.IsLeading());
  EXPECT_EQ(t.stopped, 1);
  clock_.Advance(seconds(2));
  b.Tick();
  EXPECT_TRUE(b.IsLeading()) << "no need to wait 15 s for the expiry";
  EXPECT_EQ(b.Fence()->token, 2);
  a.Tick();
  EXPECT_FALSE(a.IsLeading()) << "a stopped elector stays stopped";
}

TEST_F(LeaderElectorTest, RunsOnItsOwnThreadDrivenByTheClock) {
  Transitions t;
  LeaderElector a(store_, clock_, Options("replica-a"), t.Callbacks());
  ASSERT_TRUE(a.Start().ok());
  EXPECT_EQ(a.Start().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(t.WaitForStarted(1));
  EXPECT_TRUE(a.IsLeading());
  a.Stop();
  EXPECT_FALSE(a.IsLeading());
  EXPECT_EQ(t.stopped, 1);
  EXPECT_EQ(store_.ListLeases()->front().holder, "") << "released on the way out";
}

TEST_F(LeaderElectorTest, RejectsInconsistentDurations) {
  auto bad = Options("replica-a");
  bad.renew_deadline = seconds(20);  // longer than the lease: two leaders could overlap
  LeaderElector elector(store_, clock_, bad, {});
  EXPECT_EQ(elector.Start().code(), StatusCode::kInvalidArgument);
  auto no_holder = Options("");
  EXPECT_EQ(ValidateLeaderElectionOptions(no_holder).code(), StatusCode::kInvalidArgument);
  auto no_retry = Options("a");
  no_retry.retry_period = milliseconds(0);
  EXPECT_EQ(ValidateLeaderElectionOptions(no_retry).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateLeaderElectionOptions(Options("a")).ok());
}

}  // namespace
}  // namespace kelola
