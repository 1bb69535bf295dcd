// ProcessRunner against real processes (/bin/sh, echo, cat, sleep, head).
// Timeouts here are the runner's own (a short timeout on `sleep 30`); the
// tests never sleep themselves.
#include "proc/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kelola {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ProcessResult RunOk(const ProcessSpec& spec) {
  auto result = RunProcess(spec);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : ProcessResult{};
}

ProcessSpec Shell(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {script};
  spec.use_shell = true;
  return spec;
}

// Live (not zombie) processes whose process group is `pgid`. Killed
// grandchildren are reparented to init, which may be slow to reap them, so
// zombies are not counted.
std::vector<pid_t> LiveMembersOfGroup(pid_t pgid) {
  std::vector<pid_t> members;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat_file(entry.path() / "stat");
    std::string stat;
    std::getline(stat_file, stat);
    size_t close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(close_paren + 2));
    char state = 0;
    pid_t ppid = 0, pgrp = 0;
    fields >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z' && state != 'X') members.push_back(std::stoi(name));
  }
  return members;
}

bool IsAlive(pid_t pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(stat_file, stat)) return false;
  size_t close_paren = stat.rfind(')');
  return close_paren != std::string::npos && stat[close_paren + 2] != 'Z';
}

// Watches a process that is not our child (a grandchild) through a pidfd:
// SIGKILL is asynchronous, so "killed" is checked by waiting, with a bound,
// for the kernel's exit notification rather than by looking once.
class ExitWatcher {
 public:
  explicit ExitWatcher(pid_t pid) : fd_(static_cast<int>(syscall(SYS_pidfd_open, pid, 0))) {}
  ~ExitWatcher() {
    if (fd_ >= 0) close(fd_);
  }
  bool valid() const { return fd_ >= 0; }
  bool ExitsWithin(milliseconds bound) {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(bound.count())) == 1;
  }

 private:
  int fd_;
};

// Collects the pids a script prints, watching each from the moment it is seen.
struct PidCollector {
  std::vector<std::unique_ptr<ExitWatcher>> watchers;
  std::vector<pid_t> pids;
  std::function<void(std::string_view)> fn() {
    return [this](std::string_view line) {
      pid_t pid = std::stoi(std::string(line));
      pids.push_back(pid);
      watchers.push_back(std::make_unique<ExitWatcher>(pid));
      EXPECT_TRUE(watchers.back()->valid()) << "pidfd_open " << pid;
    };
  }
};

TEST(RunProcess, CapturesStdoutAndExitCode) {
  ProcessSpec spec;
  spec.argv = {"/bin/echo", "hello", "world"};
  ProcessResult r = RunOk(spec);
  EXPECT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.stdout_data, "hello world\n");
  EXPECT_EQ(r.stderr_data, "");
  EXPECT_GT(r.pid, 0);
  EXPECT_EQ(r.Describe(), "exited with code 0");
  // Reaped: no zombie left behind.
  EXPECT_EQ(waitpid(r.pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(RunProcess, ReportsNonZeroExitCodeAndStderr) {
  ProcessResult r = RunOk(Shell("echo oops >&2; exit 3"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.stderr_data, "oops\n");
  EXPECT_EQ(r.Describe(), "exited with code 3");
}

TEST(RunProcess, ReportsTerminatingSignal) {
  ProcessResult r = RunOk(Shell("kill -KILL $$"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.Describe(), "killed by signal 9 (SIGKILL)");
}

TEST(RunProcess, ArgumentsArePassedLiterallyWithoutAShell) {
  ProcessSpec spec;
  spec.argv = {"echo", "a  b", "$(id)", ";", "*", "`x`"};  // found through PATH
  ProcessResult r = RunOk(spec);
  EXPECT_EQ(r.stdout_data, "a  b $(id) ; * `x`\n");
}

TEST(RunProcess, ShellScriptGetsArgumentsAsPositionalParameters) {
  ProcessSpec spec = Shell("printf '%s|%s|%s' \"$0\" \"$1\" \"$2\"");
  spec.argv.push_back("x y");
  spec.argv.push_back("$(rm -rf /nonexistent)");
  ProcessResult r = RunOk(spec);
  EXPECT_EQ(r.stdout_data, "sh|x y|$(rm -rf /nonexistent)");
}

TEST(RunProcess, PipesStdin) {
  ProcessSpec spec;
  spec.argv = {"/bin/cat"};
  spec.stdin_data = "line one\nline two\n";
  EXPECT_EQ(RunOk(spec).stdout_data, "line one\nline two\n");
}

TEST(RunProcess, EmptyStdinIsDevNull) {
  ProcessSpec spec;
  spec.argv = {"/bin/cat"};
  ProcessResult r = RunOk(spec);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.stdout_data, "");
}

TEST(RunProcess, ChildThatIgnoresStdinDoesNotBreakTheRunner) {
  ProcessSpec spec = Shell("exec 0<&-; echo closed");
  spec.stdin_data = std::string(4 * 1024 * 1024, 'x');  // more than a pipe holds: EPIPE, no SIGPIPE
  ProcessResult r = RunOk(spec);
  EXPECT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.stdout_data, "closed\n");
}

TEST(RunProcess, EnvironmentIsCleanByDefault) {
  ASSERT_EQ(setenv("KELOLA_TEST_PARENT_VAR", "from-parent", 1), 0);
  ProcessSpec spec;
  spec.argv = {"/usr/bin/env"};
  spec.env = {{"ONLY", "this"}};
  EXPECT_EQ(RunOk(spec).stdout_data, "ONLY=this\n");

  spec.inherit_env = true;
  spec.env = {{"KELOLA_TEST_PARENT_VAR", "overridden"}, {"EXTRA", "1"}};
  std::string inherited = RunOk(spec).stdout_data;
  EXPECT_THAT(inherited, HasSubstr("KELOLA_TEST_PARENT_VAR=overridden\n"));
  EXPECT_THAT(inherited, HasSubstr("EXTRA=1\n"));
  EXPECT_THAT(inherited, HasSubstr("PATH="));
  unsetenv("KELOLA_TEST_PARENT_VAR");
}

TEST(RunProcess, RunsInTheGivenDirectory) {
  ProcessSpec spec;
  spec.argv = {"/bin/pwd"};
  spec.cwd = "/usr/share";
  EXPECT_EQ(RunOk(spec).stdout_data, "/usr/share\n");

  spec.cwd = "/nonexistent-kelola-dir";
  auto missing = RunProcess(spec);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent-kelola-dir"));
}

TEST(RunProcess, StreamsLinesInOrderPerStream) {
  std::vector<std::string> out, err;
  ProcessSpec spec = Shell("for i in 1 2 3; do echo out$i; echo err$i >&2; done; printf 'tail'");
  spec.on_stdout_line = [&](std::string_view line) { out.emplace_back(line); };
  spec.on_stderr_line = [&](std::string_view line) { err.emplace_back(line); };
  ProcessResult r = RunOk(spec);
  EXPECT_THAT(out, ElementsAre("out1", "out2", "out3", "tail"));
  EXPECT_THAT(err, ElementsAre("err1", "err2", "err3"));
  EXPECT_EQ(r.stdout_data, "out1\nout2\nout3\ntail") << "capture and streaming both happen";
}

TEST(RunProcess, TimeoutKillsTheWholeProcessGroup) {
  // The shell and its children ignore SIGTERM, so the runner must escalate
  // to SIGKILL after the grace period.
  PidCollector grandchildren;
  ProcessSpec spec = Shell("trap '' TERM; sleep 30 & echo $!; sleep 31 & echo $!; wait");
  spec.timeout = milliseconds(200);
  spec.kill_grace = milliseconds(100);
  spec.on_stdout_line = grandchildren.fn();
  ProcessResult r = RunOk(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_THAT(r.Describe(), HasSubstr("after timing out"));
  EXPECT_GE(r.elapsed, milliseconds(200));
  EXPECT_LT(r.elapsed, std::chrono::seconds(10));
  ASSERT_EQ(grandchildren.watchers.size(), 2u);
  for (auto& watcher : grandchildren.watchers) EXPECT_TRUE(watcher->ExitsWithin(std::chrono::seconds(5)));
  EXPECT_TRUE(LiveMembersOfGroup(r.pid).empty());
}

TEST(RunProcess, TimeoutSendsTermFirst) {
  ProcessSpec spec = Shell("sleep 30");
  spec.timeout = milliseconds(200);
  ProcessResult r = RunOk(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGTERM) << "sh dies on SIGTERM; no need for SIGKILL";
  EXPECT_LT(r.elapsed, std::chrono::seconds(2)) << "did not wait for the grace period";
}

TEST(RunProcess, BackgroundChildrenDieWithTheLeader) {
  PidCollector grandchildren;
  ProcessSpec spec = Shell("sleep 30 & echo $!");
  spec.on_stdout_line = grandchildren.fn();
  ProcessResult r = RunOk(spec);
  EXPECT_TRUE(r.ok()) << r.Describe();
  EXPECT_LT(r.elapsed, std::chrono::seconds(5)) << "did not wait for the background sleep";
  ASSERT_EQ(grandchildren.watchers.size(), 1u);
  EXPECT_TRUE(grandchildren.watchers[0]->ExitsWithin(std::chrono::seconds(5)));
}

TEST(RunProcess, BackgroundChildrenMayBeKeptOnRequest) {
  PidCollector grandchildren;
  ProcessSpec spec = Shell("sleep 30 >/dev/null 2>&1 & echo $!");
  spec.kill_group_on_exit = false;
  spec.on_stdout_line = grandchildren.fn();
  ProcessResult r = RunOk(spec);
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(grandchildren.pids.size(), 1u);
  EXPECT_FALSE(grandchildren.watchers[0]->ExitsWithin(milliseconds(0)));
  EXPECT_TRUE(IsAlive(grandchildren.pids[0]));
  kill(grandchildren.pids[0], SIGKILL);  // started by this test: clean it up by its pid
  EXPECT_TRUE(grandchildren.watchers[0]->ExitsWithin(std::chrono::seconds(5)));
}

TEST(RunProcess, LargeOutputOnBothStreamsAndLargeInputDoNotDeadlock) {
  constexpr size_t kTenMiB = 10 * 1024 * 1024;
  ProcessSpec both = Shell("head -c 10485760 /dev/zero; head -c 10485760 /dev/zero >&2");
  ProcessResult r = RunOk(both);
  EXPECT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.stdout_data.size(), kTenMiB);
  EXPECT_EQ(r.stderr_data.size(), kTenMiB);

  // cat writes while we are still writing its stdin: both directions at once.
  ProcessSpec echo;
  echo.argv = {"/bin/cat"};
  echo.stdin_data = std::string(kTenMiB, 'k');
  ProcessResult c = RunOk(echo);
  EXPECT_TRUE(c.ok()) << c.Describe();
  EXPECT_EQ(c.stdout_data.size(), kTenMiB);
  EXPECT_EQ(c.stdout_data, echo.stdin_data);
}

TEST(RunProcess, CaptureIsBoundedButStreamingIsNot) {
  size_t lines = 0;
  ProcessSpec spec = Shell("i=0; while [ $i -lt 2000 ]; do echo 0123456789; i=$((i+1)); done");
  spec.max_captured_bytes = 1000;
  spec.on_stdout_line = [&](std::string_view line) {
    EXPECT_EQ(line, "0123456789");
    ++lines;
  };
  ProcessResult r = RunOk(spec);
  EXPECT_EQ(r.stdout_data.size(), 1000u);
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_FALSE(r.stderr_truncated);
  EXPECT_EQ(lines, 2000u);
}

TEST(RunProcess, StartErrorsNameTheProblem) {
  ProcessSpec spec;
  spec.argv = {"kelola-no-such-program"};
  auto missing = RunProcess(spec);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("kelola-no-such-program"));

  spec.argv = {"/nonexistent/bin/tool"};
  auto missing_path = RunProcess(spec);
  EXPECT_EQ(missing_path.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing_path.status().message(), HasSubstr("/nonexistent/bin/tool"));

  const fs::path plain_file = fs::temp_directory_path() / ("kelola-not-executable-" + std::to_string(getpid()));
  std::ofstream(plain_file) << "data";
  fs::permissions(plain_file, fs::perms::owner_read | fs::perms::owner_write);
  spec.argv = {plain_file.string()};
  EXPECT_EQ(RunProcess(spec).status().code(), StatusCode::kPermissionDenied);
  // Executable bits but no known format: the kernel says ENOEXEC.
  fs::permissions(plain_file, fs::perms::owner_all);
  auto not_a_program = RunProcess(spec);
  EXPECT_EQ(not_a_program.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(not_a_program.status().message(), HasSubstr(plain_file.string()));
  fs::remove(plain_file);
  spec.argv = {"/usr"};
  EXPECT_EQ(RunProcess(spec).status().code(), StatusCode::kPermissionDenied);

  spec.argv = {};
  EXPECT_EQ(RunProcess(spec).status().code(), StatusCode::kInvalidArgument);
  spec.argv = {"/bin/echo", std::string("a\0b", 3)};
  EXPECT_EQ(RunProcess(spec).status().code(), StatusCode::kInvalidArgument);
  spec.argv = {"/bin/echo"};
  spec.env = {{"A=B", "c"}};
  EXPECT_EQ(RunProcess(spec).status().code(), StatusCode::kInvalidArgument);
}

TEST(RunProcess, DescriptorsDoNotLeakIntoTheChild) {
  // A descriptor opened without O_CLOEXEC, as careless library code would.
  int leaky = open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  ASSERT_EQ(dup2(leaky, 57), 57);
  ProcessSpec spec;
  spec.argv = {"/bin/ls", "/proc/self/fd"};
  ProcessResult r = RunOk(spec);
  close(57);
  close(leaky);
  // ls itself holds one descriptor on the directory it lists.
  EXPECT_EQ(r.stdout_data, "0\n1\n2\n3\n");
}

TEST(RunProcess, ChildStartsWithDefaultSignalHandling) {
  // Servers often ignore SIGPIPE and threads block signals; neither may leak
  // into a child (ignored signals survive exec, as does the blocked mask).
  struct sigaction ignore {
  }, old_pipe{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGPIPE, &ignore, &old_pipe), 0);
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &usr1, &old_mask), 0);
  ProcessSpec spec;
  spec.argv = {"/bin/grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"};
  ProcessResult r = RunOk(spec);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  std::istringstream lines(r.stdout_data);
  std::string blocked, ignored;
  lines >> blocked >> blocked >> ignored >> ignored;
  EXPECT_EQ(std::stoull(blocked, nullptr, 16), 0u) << r.stdout_data;
  // Bit n-1 is signal n. glibc's posix_spawn leaves its two internal signals
  // (32, 33) ignored in every child it spawns; only ours are checked here.
  const uint64_t ignored_mask = std::stoull(ignored, nullptr, 16);
  EXPECT_EQ(ignored_mask & ((uint64_t{1} << 31) - 1), 0u) << r.stdout_data;
}

TEST(Process, CancelFromAnotherThreadStopsTheGroup) {
  ProcessSpec spec;
  spec.argv = {"/bin/sleep", "30"};
  auto process = Process::Start(spec);
  ASSERT_TRUE(process.ok()) << process.status().ToString();
  std::thread canceller([&] { (*process)->Cancel(); });
  auto r = (*process)->Wait();
  canceller.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_THAT(r->Describe(), HasSubstr("cancelled"));
  EXPECT_EQ((*process)->Wait().status().code(), StatusCode::kFailedPrecondition);
}

TEST(Process, DestroyingAnUnwaitedProcessKillsAndReapsIt) {
  ProcessSpec spec;
  spec.argv = {"/bin/sleep", "30"};
  auto process = Process::Start(spec);
  ASSERT_TRUE(process.ok());
  pid_t pid = (*process)->pid();
  process.value().reset();
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1) << "already reaped";
  EXPECT_FALSE(IsAlive(pid));
}

TEST(Process, TimeoutFollowsTheGivenClock) {
  FakeClock clock;
  ProcessSpec spec;
  spec.argv = {"/bin/sleep", "30"};
  spec.timeout = std::chrono::seconds(60);
  spec.kill_grace = std::chrono::seconds(5);
  auto process = Process::Start(spec, clock);
  ASSERT_TRUE(process.ok());
  // Fake time jumps past the deadline; the runner notices on its next look
  // at the clock, without a minute of real time passing.
  std::thread advancer([&] { clock.Advance(std::chrono::seconds(61)); });
  auto r = (*process)->Wait();
  advancer.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_GE(r->elapsed, std::chrono::seconds(61));
}

}  // namespace
}  // namespace kelola
