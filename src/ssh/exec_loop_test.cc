// ExecLoop against real sshd: many sessions in flight on one event-loop
// thread, and the same error kinds as SshSession.
#include "ssh/exec_loop.h"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "ssh/shell_quote.h"
#include "ssh/ssh_test_support.h"
#include "tests/harness/free_port.h"

namespace kelola {
namespace {

using ssh_test::OptionsFor;

int ThreadCount() {
  int count = 0;
  if (DIR* tasks = ::opendir("/proc/self/task")) {
    while (dirent* entry = ::readdir(tasks)) count += entry->d_name[0] != '.';
    ::closedir(tasks);
  }
  return count;
}

TEST(ExecLoopTest, RunsACommandOnEveryHost) {
  KELOLA_SSH_FLEET(fleet, 20);
  std::vector<ExecLoopTarget> targets;
  for (size_t i = 0; i < 20; ++i) targets.push_back({OptionsFor(fleet, i), "echo $SSH_CONNECTION | cut -d' ' -f4"});
  ExecLoopOptions options;
  options.threads = 1;
  size_t done = 0;
  options.on_done = [&](size_t, const ExecLoopOutcome&) { ++done; };
  auto outcomes = RunExecLoop(targets, options);
  ASSERT_EQ(outcomes.size(), 20u);
  EXPECT_EQ(done, 20u);
  for (size_t i = 0; i < 20; ++i) {
    ASSERT_TRUE(outcomes[i].status.ok()) << outcomes[i].status.ToString();
    EXPECT_EQ(outcomes[i].result.exit_code, 0);
    EXPECT_EQ(outcomes[i].result.out, std::to_string(fleet.hosts()[i].port) + "\n");
    EXPECT_EQ(outcomes[i].target, fleet.user() + "@127.0.0.1:" + std::to_string(fleet.hosts()[i].port));
  }
}

TEST(ExecLoopTest, HoldsOneHundredSessionsAtOnceOnOneThread) {
  KELOLA_SSH_FLEET(fleet, 20);
  // Five sessions to each of the 20 servers, each command sleeping 2 s:
  // one after the other this would take 200 s.
  std::vector<ExecLoopTarget> targets;
  for (size_t i = 0; i < 100; ++i) targets.push_back({OptionsFor(fleet, i % 20), "sleep 2; echo $PPID"});
  const int threads_before = ThreadCount();
  std::atomic<int> most_threads{0};
  ExecLoopOptions options;
  options.threads = 1;
  options.max_in_flight = 100;
  options.on_done = [&](size_t, const ExecLoopOutcome&) {
    most_threads = std::max(most_threads.load(), ThreadCount());
  };
  const MonoTime start = SystemClock().Monotonic();
  auto outcomes = RunExecLoop(targets, options);
  const Duration took = SystemClock().Monotonic() - start;
  std::set<std::string> sessions;
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
    ASSERT_EQ(outcome.result.exit_code, 0) << outcome.result.err;
    sessions.insert(outcome.result.out);  // the sshd session process of each
  }
  EXPECT_EQ(sessions.size(), 100u);
  EXPECT_LT(took, std::chrono::seconds(40)) << "sessions did not overlap";
  EXPECT_LE(most_threads.load(), threads_before + 1);
}

TEST(ExecLoopTest, ReportsTheSameErrorKindsAsSshSession) {
  KELOLA_SSH_FLEET(fleet, 2);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(harness::WriteFile((*dir)->File("empty_known_hosts"), "").ok());
  auto dead_port = harness::FreePort();
  ASSERT_TRUE(dead_port.ok());
  // A listener that never speaks: connect succeeds, no banner comes.
  int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(silent, 8), 0);
  socklen_t length = sizeof address;
  ::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length);

  std::vector<ExecLoopTarget> targets(9, {OptionsFor(fleet, 0), "echo fine"});
  targets[1].options.port = *dead_port;
  targets[2].options.known_hosts_path = (*dir)->File("empty_known_hosts");
  targets[3].options.credentials.private_key_path = ssh_test::MakeKey(**dir, "stranger", "ed25519");
  targets[4].command = "sleep 30";
  targets[5].command = "echo oops >&2; exit 4";
  targets[6].command = "kill -KILL $$";
  targets[7].options.port = ntohs(address.sin_port);
  targets[7].options.connect_timeout = std::chrono::milliseconds(700);
  targets[8].options.jump_host = std::make_shared<SshOptions>(OptionsFor(fleet, 1));
  ExecLoopOptions options;
  options.timeout = std::chrono::milliseconds(800);
  auto outcomes = RunExecLoop(targets, options);
  ::close(silent);

  EXPECT_TRUE(outcomes[0].status.ok()) << outcomes[0].status.ToString();
  EXPECT_EQ(outcomes[0].result.out, "fine\n");
  EXPECT_EQ(SshErrorKindOf(outcomes[1].status), SshErrorKind::kUnreachable) << outcomes[1].status.ToString();
  EXPECT_EQ(SshErrorKindOf(outcomes[2].status), SshErrorKind::kHostKey) << outcomes[2].status.ToString();
  EXPECT_NE(outcomes[2].status.message().find("is unknown"), std::string::npos);
  EXPECT_EQ(SshErrorKindOf(outcomes[3].status), SshErrorKind::kAuth) << outcomes[3].status.ToString();
  EXPECT_NE(outcomes[3].status.message().find("stranger"), std::string::npos);
  ASSERT_TRUE(outcomes[4].status.ok()) << outcomes[4].status.ToString();
  EXPECT_TRUE(outcomes[4].result.timed_out);
  EXPECT_EQ(outcomes[4].result.error_kind(), SshErrorKind::kTimeout);
  ASSERT_TRUE(outcomes[5].status.ok());
  EXPECT_EQ(outcomes[5].result.exit_code, 4);
  EXPECT_EQ(outcomes[5].result.err, "oops\n");
  EXPECT_EQ(outcomes[6].result.exit_signal, "KILL");
  EXPECT_EQ(outcomes[6].result.exit_code, -1);
  EXPECT_EQ(SshErrorKindOf(outcomes[7].status), SshErrorKind::kUnreachable) << outcomes[7].status.ToString();
  EXPECT_NE(outcomes[7].status.message().find("no answer within 0.7s while connecting"), std::string::npos)
      << outcomes[7].status.message();
  EXPECT_FALSE(ExecLoopCanRun(targets[8].options));
  EXPECT_EQ(outcomes[8].status.code(), StatusCode::kInvalidArgument);
}

TEST(ExecLoopTest, BoundsSessionsInFlight) {
  KELOLA_SSH_FLEET(fleet, 4);
  std::vector<ExecLoopTarget> targets;
  for (size_t i = 0; i < 8; ++i) targets.push_back({OptionsFor(fleet, i % 4), "sleep 0.5"});
  ExecLoopOptions options;
  options.threads = 1;
  options.max_in_flight = 2;
  const MonoTime start = SystemClock().Monotonic();
  auto outcomes = RunExecLoop(targets, options);
  const Duration took = SystemClock().Monotonic() - start;
  for (const auto& outcome : outcomes) ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  // Four waves of two half-second commands.
  EXPECT_GE(took, std::chrono::milliseconds(2000));
}

}  // namespace
}  // namespace kelola
