#include "proc/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "proc/line_splitter.h"

extern char** environ;

namespace kelola {

namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
// poll() waits at most this long, so a Clock that is not the real one (a
// FakeClock advanced by a test) is still looked at regularly.
constexpr int kMaxPollMillis = 100;
// After the leader exited, stop waiting for pipes that stay silent this many
// polls in a row: a process that left the group (setsid) may hold them open.
constexpr int kQuietPollsAfterExit = 5;
constexpr size_t kReadChunk = 64 * 1024;

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

Status ErrnoStatus(int err, const std::string& what) { return InternalError(what + ": " + strerrordesc_np(err)); }

bool HasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

// A pipe whose ends are both >= 3 and close-on-exec: with stdin/stdout/stderr
// closed in the caller a plain pipe could land on 0..2, and then the child's
// dup2 onto the same number would be a no-op that keeps O_CLOEXEC.
Status MakePipe(int& read_end, int& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus(errno, "pipe2");
  for (int& fd : fds) {
    if (fd < 3) {
      int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
      int err = errno;
      ::close(fd);
      if (moved < 0) {
        ::close(fds[0] == fd ? fds[1] : fds[0]);
        return ErrnoStatus(err, "fcntl(F_DUPFD_CLOEXEC)");
      }
      fd = moved;
    }
  }
  read_end = fds[0];
  write_end = fds[1];
  return OkStatus();
}

Status SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return ErrnoStatus(errno, "fcntl(O_NONBLOCK)");
  return OkStatus();
}

Status CheckExecutable(const std::string& path, const std::string& program) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFoundError("program '" + program + "' not found");
    return PermissionDeniedError("program '" + program + "': " + strerrordesc_np(errno));
  }
  if (S_ISDIR(st.st_mode)) return PermissionDeniedError("program '" + program + "' is a directory");
  if (::access(path.c_str(), X_OK) != 0) {
    return PermissionDeniedError("program '" + program + "' is not executable");
  }
  return OkStatus();
}

// The program's path, searched in `path_var` when it has no '/'. Resolved in
// the parent so the child's environment (often empty) does not matter and
// the error names the program.
Result<std::string> ResolveProgram(const std::string& program, const std::string& path_var) {
  if (program.find('/') != std::string::npos) {
    KELOLA_RETURN_IF_ERROR(CheckExecutable(program, program));
    return program;
  }
  Status first_problem;
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + program;
    Status status = CheckExecutable(candidate, program);
    if (status.ok()) return candidate;
    if (status.code() != StatusCode::kNotFound && first_problem.ok()) first_problem = status;
    start = end + 1;
  }
  if (!first_problem.ok()) return first_problem;
  return NotFoundError("program '" + program + "' not found in PATH (" + path_var + ")");
}

Status ValidateSpec(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) return InvalidArgumentError("process argv is empty");
  for (size_t i = 0; i < spec.argv.size(); ++i) {
    if (HasNul(spec.argv[i]))
      return InvalidArgumentError("process argv[" + std::to_string(i) + "] contains a NUL byte");
  }
  for (const auto& [key, value] : spec.env) {
    if (key.empty() || key.find('=') != std::string::npos || HasNul(key)) {
      return InvalidArgumentError("environment variable name '" + key + "' is empty or contains '=' or NUL");
    }
    if (HasNul(value)) return InvalidArgumentError("environment variable " + key + " contains a NUL byte");
  }
  if (HasNul(spec.cwd)) return InvalidArgumentError("working directory contains a NUL byte");
  if (spec.timeout.count() < 0 || spec.kill_grace.count() < 0) {
    return InvalidArgumentError("timeout and kill_grace must not be negative");
  }
  if (spec.max_line_bytes == 0) return InvalidArgumentError("max_line_bytes must be positive");
  return OkStatus();
}

std::map<std::string, std::string> ChildEnvironment(const ProcessSpec& spec) {
  std::map<std::string, std::string> env;
  if (spec.inherit_env) {
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      std::string_view kv(*entry);
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));  // first one wins
    }
  }
  for (const auto& [key, value] : spec.env) env[key] = value;
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// write() that turns a closed pipe into EPIPE without killing the caller with
// SIGPIPE: the signal is blocked in this thread and a pending one consumed.
ssize_t WriteWithoutSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old_mask, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  ssize_t n = ::write(fd, data, size);
  const int err = errno;
  if (n < 0 && err == EPIPE && !was_pending) {
    struct timespec zero {};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = err;
  return n;
}

int PollMillis(MonoTime now, MonoTime until) {
  if (until <= now) return 0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() + 1;
  return static_cast<int>(std::min<int64_t>(ms, kMaxPollMillis));
}

// One output stream of the child: its pipe, line splitting and capture.
struct OutputStream {
  int& fd;  // the Process's descriptor, so closing here is closing there
  LineSplitter splitter;
  std::string* captured;
  bool* truncated;
  size_t max_captured;

  // Reads what is available now. Returns false at EOF or on error.
  bool ReadAvailable() {
    char buffer[kReadChunk];
    for (int rounds = 0; rounds < 16; ++rounds) {  // then let the other stream have a turn
      ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n > 0) {
        std::string_view data(buffer, static_cast<size_t>(n));
        size_t room = max_captured - std::min(max_captured, captured->size());
        captured->append(data.substr(0, room));
        if (data.size() > room) *truncated = true;
        splitter.Append(data);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      return false;
    }
    return true;
  }
};

}  // namespace

std::string ProcessResult::Describe() const {
  std::string text;
  if (signal != 0) {
    const char* abbrev = sigabbrev_np(signal);
    text =
        "killed by signal " + std::to_string(signal) + (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : "");
  } else {
    text = "exited with code " + std::to_string(exit_code);
  }
  if (timed_out) text += " after timing out";
  if (cancelled) text += " after being cancelled";
  return text;
}

Process::Process(const ProcessSpec& spec, Clock& clock) : spec_(spec), clock_(clock) {}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  for (int* fd : {&pidfd_, &stdin_fd_, &stdout_fd_, &stderr_fd_, &wake_fd_}) CloseFd(*fd);
}

void Process::Cancel() {
  cancel_requested_.store(true);
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof(one));
}

Result<std::unique_ptr<Process>> Process::Start(const ProcessSpec& spec, Clock& clock) {
  KELOLA_RETURN_IF_ERROR(ValidateSpec(spec));
  std::vector<std::string> argv;
  if (spec.use_shell) {
    argv = {"/bin/sh", "-c", spec.argv[0], "sh"};
    argv.insert(argv.end(), spec.argv.begin() + 1, spec.argv.end());
  } else {
    argv = spec.argv;
  }
  std::map<std::string, std::string> env_map = ChildEnvironment(spec);
  std::string path_var;
  if (auto it = spec.env.find("PATH"); it != spec.env.end()) {
    path_var = it->second;
  } else if (const char* caller_path = ::getenv("PATH"); caller_path != nullptr) {
    path_var = caller_path;
  } else {
    path_var = kDefaultPath;
  }
  KELOLA_ASSIGN_OR_RETURN(std::string program, ResolveProgram(argv[0], path_var));
  if (!spec.cwd.empty()) {
    struct stat st {};
    if (::stat(spec.cwd.c_str(), &st) != 0) {
      return NotFoundError("working directory '" + spec.cwd + "': " + strerrordesc_np(errno));
    }
    if (!S_ISDIR(st.st_mode)) return InvalidArgumentError("working directory '" + spec.cwd + "' is not a directory");
  }

  std::unique_ptr<Process> process(new Process(spec, clock));
  int child_stdin = -1, child_stdout = -1, child_stderr = -1;
  struct ChildEnds {
    int* fds[3];
    ~ChildEnds() {
      for (int* fd : fds) CloseFd(*fd);
    }
  } child_ends{{&child_stdin, &child_stdout, &child_stderr}};
  KELOLA_RETURN_IF_ERROR(MakePipe(process->stdout_fd_, child_stdout));
  KELOLA_RETURN_IF_ERROR(MakePipe(process->stderr_fd_, child_stderr));
  if (!spec.stdin_data.empty()) KELOLA_RETURN_IF_ERROR(MakePipe(child_stdin, process->stdin_fd_));
  for (int fd : {process->stdout_fd_, process->stderr_fd_, process->stdin_fd_}) {
    if (fd >= 0) KELOLA_RETURN_IF_ERROR(SetNonBlocking(fd));
  }
  process->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (process->wake_fd_ < 0) return ErrnoStatus(errno, "eventfd");

  std::vector<std::string> env_strings;
  for (const auto& [key, value] : env_map) env_strings.push_back(key + "=" + value);
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env_strings);

  // posix_spawn (clone+exec in glibc) rather than fork: no copy of a large
  // parent, only async-signal-safe work in the child, and exec errors come
  // back as the return value.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  int rc = 0;
  if (child_stdin >= 0) {
    rc = rc ? rc : posix_spawn_file_actions_adddup2(&actions, child_stdin, STDIN_FILENO);
  } else {
    rc = rc ? rc : posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  rc = rc ? rc : posix_spawn_file_actions_adddup2(&actions, child_stdout, STDOUT_FILENO);
  rc = rc ? rc : posix_spawn_file_actions_adddup2(&actions, child_stderr, STDERR_FILENO);
  if (!spec.cwd.empty()) rc = rc ? rc : posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  // Descriptors some library opened without O_CLOEXEC must not leak either.
  rc = rc ? rc : posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  sigset_t no_signals, all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  rc = rc ? rc : posix_spawnattr_setsigmask(&attr, &no_signals);
  // Ignored signals stay ignored across exec (SIGPIPE often is in servers):
  // give the child default dispositions. (glibc itself leaves its internal
  // signals 32 and 33 ignored in spawned children; nothing else sends them.)
  rc = rc ? rc : posix_spawnattr_setsigdefault(&attr, &all_signals);
  rc = rc ? rc : posix_spawnattr_setpgroup(&attr, 0);
  rc =
      rc ? rc : posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  if (rc == 0) {
    process->started_ = clock.Monotonic();
    rc = posix_spawn(&pid, program.c_str(), &actions, &attr, c_argv.data(), c_env.data());
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    const std::string what = "starting '" + spec.argv[0] + "'";
    if (rc == ENOENT) return NotFoundError(what + ": program or working directory not found");
    if (rc == EACCES || rc == EPERM) return PermissionDeniedError(what + ": " + strerrordesc_np(rc));
    if (rc == ENOEXEC || rc == E2BIG) return InvalidArgumentError(what + ": " + strerrordesc_np(rc));
    return ErrnoStatus(rc, what);
  }
  process->pid_ = pid;
  // A pidfd turns "the child exited" into a readable descriptor for poll();
  // without one (old kernels) the loop polls waitid() instead.
  process->pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  return process;
}

Result<ProcessResult> Process::Wait() {
  if (reaped_ || pid_ <= 0) return FailedPreconditionError("Process::Wait called twice");
  ProcessResult result;
  result.pid = pid_;
  OutputStream out{stdout_fd_, LineSplitter(spec_.on_stdout_line, spec_.max_line_bytes), &result.stdout_data,
                   &result.stdout_truncated, spec_.max_captured_bytes};
  OutputStream err{stderr_fd_, LineSplitter(spec_.on_stderr_line, spec_.max_line_bytes), &result.stderr_data,
                   &result.stderr_truncated, spec_.max_captured_bytes};
  const MonoTime deadline = spec_.timeout.count() > 0 ? started_ + spec_.timeout : MonoTime::max();
  size_t stdin_written = 0;
  bool terminating = false, killed = false, exited = false;
  MonoTime kill_at = MonoTime::max();
  int wait_status = 0;
  int quiet_polls = 0;

  auto terminate = [&] {
    terminating = true;
    ::kill(-pid_, SIGTERM);
    kill_at = clock_.Monotonic() + spec_.kill_grace;
  };

  while (true) {
    const MonoTime now = clock_.Monotonic();
    if (!exited && !terminating && cancel_requested_.load()) {
      result.cancelled = true;
      terminate();
    }
    if (!exited && !terminating && now >= deadline) {
      result.timed_out = true;
      terminate();
    }
    if (!exited && terminating && !killed && now >= kill_at) {
      ::kill(-pid_, SIGKILL);
      killed = true;
    }
    if (exited && out.fd < 0 && err.fd < 0) break;

    pollfd fds[5];
    int n = 0;
    int out_index = -1, err_index = -1, in_index = -1, pid_index = -1;
    if (out.fd >= 0) fds[out_index = n++] = {out.fd, POLLIN, 0};
    if (err.fd >= 0) fds[err_index = n++] = {err.fd, POLLIN, 0};
    if (stdin_fd_ >= 0) fds[in_index = n++] = {stdin_fd_, POLLOUT, 0};
    if (!exited && pidfd_ >= 0) fds[pid_index = n++] = {pidfd_, POLLIN, 0};
    fds[n++] = {wake_fd_, POLLIN, 0};
    int timeout_ms = kMaxPollMillis;
    if (!exited) {
      timeout_ms = std::min(PollMillis(now, terminating ? kill_at : deadline), timeout_ms);
      if (terminating && killed) timeout_ms = kMaxPollMillis;
      if (pidfd_ < 0) timeout_ms = std::min(timeout_ms, 10);
    }
    int ready = ::poll(fds, static_cast<nfds_t>(n), timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "poll");
    }
    if (exited) quiet_polls = ready == 0 ? quiet_polls + 1 : 0;

    if (out_index >= 0 && fds[out_index].revents != 0 && !out.ReadAvailable()) CloseFd(out.fd);
    if (err_index >= 0 && fds[err_index].revents != 0 && !err.ReadAvailable()) CloseFd(err.fd);
    if (in_index >= 0 && fds[in_index].revents != 0) {
      if ((fds[in_index].revents & POLLOUT) != 0) {
        size_t chunk = std::min<size_t>(spec_.stdin_data.size() - stdin_written, kReadChunk);
        ssize_t written = WriteWithoutSigpipe(stdin_fd_, spec_.stdin_data.data() + stdin_written, chunk);
        if (written > 0) stdin_written += static_cast<size_t>(written);
        // EPIPE: the child stopped reading; that is its business, not an error.
        if (written < 0 && errno != EAGAIN && errno != EINTR) CloseFd(stdin_fd_);
      } else {
        CloseFd(stdin_fd_);  // POLLERR/POLLHUP: the read end is gone
      }
      if (stdin_written == spec_.stdin_data.size()) CloseFd(stdin_fd_);
    }
    if (fds[n - 1].revents != 0) {
      uint64_t drained;
      (void)!::read(wake_fd_, &drained, sizeof(drained));
    }

    if (!exited && (pidfd_ < 0 || (pid_index >= 0 && fds[pid_index].revents != 0))) {
      siginfo_t info{};
      // WNOWAIT: while the leader is an unreaped zombie its pid cannot be
      // reused, so signalling the group (-pid) cannot hit a stranger.
      if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_) {
        if (spec_.kill_group_on_exit || terminating) ::kill(-pid_, SIGKILL);
        while (::waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
        }
        exited = true;
        reaped_ = true;
        CloseFd(stdin_fd_);
      }
    }
    if (exited && quiet_polls >= kQuietPollsAfterExit) {
      CloseFd(out.fd);
      CloseFd(err.fd);
    }
  }
  out.splitter.Finish();
  err.splitter.Finish();
  if (WIFEXITED(wait_status)) {
    result.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    result.signal = WTERMSIG(wait_status);
  }
  result.elapsed = clock_.Monotonic() - started_;
  return result;
}

Result<ProcessResult> RunProcess(const ProcessSpec& spec, Clock& clock) {
  KELOLA_ASSIGN_OR_RETURN(auto process, Process::Start(spec, clock));
  return process->Wait();
}

}  // namespace kelola
