#include "tests/harness/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tests/harness/child_process.h"

extern char** environ;

namespace kelola::harness {
namespace {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string Describe(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

}  // namespace

Result<CommandResult> RunCommand(const std::vector<std::string>& argv, Duration timeout, const std::string& input) {
  if (argv.empty()) return InvalidArgumentError("run: empty argv");
  auto program = FindExecutable(argv[0]);
  if (!program) return NotFoundError("run: program \"" + argv[0] + "\" not found");

  // O_CLOEXEC keeps these pipes out of children spawned concurrently by
  // other threads; dup2 in the file actions clears it on the child's copy.
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return InternalError(std::strerror(errno));
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return InternalError(std::strerror(errno));
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return InternalError(std::strerror(errno));
  Fd in_read(in_pipe[0]), in_write(in_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (input.empty()) {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t no_signals, all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &all_signals);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = argv;
  args[0] = *program;
  std::vector<char*> c_argv;
  for (auto& a : args) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program->c_str(), &actions, &attr, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return InternalError("spawning " + *program + ": " + std::strerror(rc));
  out_write.Close();
  err_write.Close();
  in_read.Close();

  if (!input.empty()) {
    // A child that exits without reading its input must give us EPIPE, not
    // kill the test process; tests never rely on SIGPIPE's default.
    ::signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    while (written < input.size()) {
      ssize_t n = ::write(in_write.get(), input.data() + written, input.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
  }
  in_write.Close();

  CommandResult result;
  Clock& clock = SystemClock();
  const MonoTime deadline = clock.Monotonic() + timeout;
  bool timed_out = false;
  char buffer[8192];
  while (out_read.get() >= 0 || err_read.get() >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.Monotonic());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) return InternalError(std::string("poll: ") + std::strerror(errno));
    Fd* owners[2] = {&out_read, &err_read};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        owners[i]->Close();
      }
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return DeadlineExceededError("command did not finish within " +
                                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                                 " s and was killed: " + Describe(argv));
  }
  result.exit_code = DecodeWaitStatus(status);
  return result;
}

Result<CommandResult> RunCommandOk(const std::vector<std::string>& argv, Duration timeout) {
  KELOLA_ASSIGN_OR_RETURN(CommandResult result, RunCommand(argv, timeout));
  if (result.exit_code != 0) {
    return InternalError("command failed with exit code " + std::to_string(result.exit_code) + ": " + Describe(argv) +
                         ": " + result.err);
  }
  return result;
}

}  // namespace kelola::harness
