// Controller failover with real processes: three `kelola server` replicas on
// one real PostgreSQL (tests/harness), with short lease settings.
//
// - kill -9 the leader of the pipeline inbox consumer: another replica takes
//   its lease within the lease duration (plus one retry period) and turns
//   the webhook deliveries posted to the survivors into runs, each delivery
//   into exactly one run.
// - SIGSTOP the leader of the GitHub delivery reconciler while GitHub's
//   answer (a failed delivery) is on its way to it; another replica takes
//   the lease and asks GitHub for the redelivery; SIGCONT the former leader:
//   it reads the stale answer and asks for nothing, because its fence
//   (the lease's token) is refused. GitHub is played by tests/fakes (it
//   cannot run here), which counts the redelivery requests.
//
// Real time is used on purpose: this waits for real processes, always with
// wait-for-condition loops.
#include <signal.h>

#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "tests/fakes/github_hooks_server.h"
#include "tests/integration/ha_cluster.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kPushExample = "/work/shared/data/github-webhooks/push/with-new-branch.payload.json";

using HaFailoverTest = HaClusterTest;

TEST_F(HaFailoverTest, KilledInboxLeaderIsReplacedWithinTheLeaseAndEveryDeliveryBecomesExactlyOneRun) {
  auto push = harness::ReadFile(kPushExample);
  if (!push.ok()) GTEST_SKIP() << "the shared webhook examples are not here";
  ASSERT_NO_FATAL_FAILURE(StartReplicas(3));
  PutWebhookSecretAndPipeline();
  int leader = -1;
  ASSERT_TRUE(WaitFor([&] { return (leader = Holder(0, kInboxLease)) >= 0; }, seconds(30))) << Logs();

  // Deliveries through every replica; the leader queues them all.
  for (int i = 1; i <= 6; ++i) ASSERT_EQ(Deliver(Survivor(i), *push, "d-" + std::to_string(i)), 202);
  ASSERT_TRUE(WaitFor([&] { return RunsByDelivery(0).size() == 6; }, seconds(30))) << Logs();

  int64_t old_token = 0;
  ASSERT_EQ(Holder(0, kInboxLease, &old_token), leader);
  Clock& clock = SystemClock();
  const MonoTime killed_at = clock.Monotonic();
  Kill(leader);
  // Posted to the survivors while nobody leads: stored in the shared inbox
  // at once (202), queued by whoever leads next.
  for (int i = 7; i <= 18; ++i) {
    ASSERT_EQ(Deliver(Survivor(i, leader), *push, "d-" + std::to_string(i)), 202) << "delivery d-" << i;
  }
  int successor = -1;
  int64_t new_token = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        successor = Holder(Survivor(0), kInboxLease, &new_token);
        return successor >= 0 && successor != leader;
      },
      seconds(30)))
      << Logs();
  const Duration failover = clock.Monotonic() - killed_at;
  EXPECT_GT(new_token, old_token) << "a new holder gets a new fencing token";
  // The dead leader renewed at most one retry period before the kill; its
  // lease then runs out, and a survivor's next campaign (every retry period)
  // takes it. 2 s of slack for this busy 2-core machine.
  EXPECT_LE(failover, kLease + kRetry + seconds(2))
      << "failover took " << std::chrono::duration_cast<milliseconds>(failover).count() << " ms";
  std::cout << "[ failover ] inbox consumer lease taken over "
            << std::chrono::duration_cast<milliseconds>(failover).count() << " ms after kill -9\n";

  std::map<std::string, int> runs;
  ASSERT_TRUE(WaitFor(
      [&] {
        runs = RunsByDelivery(Survivor(0, leader));
        return runs.size() == 18;
      },
      seconds(30)))
      << runs.size() << " deliveries have runs\n"
      << Logs();
  for (int i = 1; i <= 18; ++i) EXPECT_EQ(runs["d-" + std::to_string(i)], 1) << "delivery d-" << i;

  // Replays (GitHub's redelivery of what kelola already has) queue nothing.
  EXPECT_EQ(Deliver(Survivor(1, leader), *push, "d-3"), 200);
  EXPECT_EQ(Deliver(Survivor(2, leader), *push, "d-12"), 200);
  ASSERT_EQ(Deliver(Survivor(1, leader), *push, "d-19"), 202);
  ASSERT_TRUE(WaitFor([&] { return RunsByDelivery(Survivor(0, leader)).size() == 19; }, seconds(30))) << Logs();
  runs = RunsByDelivery(Survivor(0, leader));
  int total = 0;
  for (const auto& [delivery, count] : runs) total += count;
  EXPECT_EQ(total, 19) << "one run per delivery, none twice";
}

TEST_F(HaFailoverTest, PausedDeliveryReconcilerLeaderResumesWithAStaleAnswerAndAsksGitHubForNothing) {
  const std::string gh_token = "ghp_failover_test_token";
  fakes::FakeGitHubHooks github("Codertocat/Hello-World", 77, gh_token);
  ASSERT_TRUE(github.Start().ok());
  github.AddDelivery("guid-ok", 200);
  const int64_t failed = github.AddDelivery("guid-failed", 502);  // kelola was unreachable

  ASSERT_NO_FATAL_FAILURE(StartReplicas(3));
  auto token_secret =
      Call(0, "PUT", "/v1/secrets/gh-token", R"({"spec":{"type":"token","value":")" + gh_token + R"("}})");
  ASSERT_EQ(token_secret.status, 201) << token_secret.body;
  int leader = -1;
  int64_t old_token = 0;
  ASSERT_TRUE(WaitFor([&] { return (leader = Holder(0, kDeliveriesLease, &old_token)) >= 0; }, seconds(30))) << Logs();

  // The leader lists the hook's deliveries as soon as the pipeline names
  // the hook; GitHub's answer (guid-failed failed) is held in flight...
  github.HoldNextList();
  PutWebhookSecretAndPipeline(R"(,"hookId":77,"tokenSecret":"gh-token","apiUrl":")" + github.url() + R"(")");
  ASSERT_TRUE(github.WaitUntilHeld(seconds(30))) << Logs();
  ASSERT_EQ(Holder(0, kDeliveriesLease), leader) << "the list request came from the leader";
  // ...and the leader is paused before it can read it.
  ASSERT_EQ(::kill(replicas_[leader].process->pid(), SIGSTOP), 0);
  github.ReleaseHeld();

  // Another replica takes the lease and asks for the redelivery, once.
  int successor = -1;
  int64_t new_token = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        successor = Holder(Survivor(0, leader), kDeliveriesLease, &new_token);
        return successor >= 0 && successor != leader;
      },
      kLease + seconds(30)))
      << Logs();
  EXPECT_GT(new_token, old_token);
  ASSERT_TRUE(WaitFor([&] { return github.redelivery_requests().size() >= 1; }, seconds(30))) << Logs();
  EXPECT_EQ(github.redelivery_requests(), std::vector<int64_t>{failed});

  // The former leader resumes: it reads the stale answer, still says
  // guid-failed needs a redelivery, and is stopped by its fence.
  ASSERT_EQ(::kill(replicas_[leader].process->pid(), SIGCONT), 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        return LogHasLine(leader, {"fence refused an action", "github-deliveries"});
      },
      seconds(30)))
      << "the resumed former leader never hit its fence\n"
      << Logs();
  EXPECT_EQ(github.redelivery_requests(), std::vector<int64_t>{failed}) << "no second redelivery request";
  EXPECT_TRUE(replicas_[leader].process->Running()) << "the former leader lives on as a follower";
  EXPECT_EQ(Holder(Survivor(0, leader), kDeliveriesLease), successor) << "it does not take the lease back";

  // Carry on: kill -9 the successor; the next leader lists again, sees the
  // redelivered attempt succeeded and asks only for a new failure.
  const int64_t failed_later = github.AddDelivery("guid-failed-later", 504);
  Kill(successor);
  int third = -1;
  ASSERT_TRUE(WaitFor(
      [&] {
        third = Holder(Survivor(0, successor), kDeliveriesLease);
        return third >= 0 && third != successor;
      },
      kLease + seconds(30)))
      << Logs();
  ASSERT_TRUE(WaitFor([&] { return github.redelivery_requests().size() >= 2; }, seconds(30))) << Logs();
  EXPECT_EQ(github.redelivery_requests(), (std::vector<int64_t>{failed, failed_later}))
      << "each failed delivery asked for once, across two failovers";
  std::set<std::string> guids;
  for (const auto& d : github.deliveries()) {
    if (d.redelivery) {
      EXPECT_TRUE(guids.insert(d.guid).second) << d.guid << " redelivered twice";
    }
  }
}

}  // namespace
}  // namespace kelola
