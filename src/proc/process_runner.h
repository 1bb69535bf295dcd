// Process runner: runs a local program with an explicit argv (no shell unless
// asked), a clean or inherited environment, a working directory, stdin data,
// a timeout that takes down the whole process group, and stdout/stderr
// captured and streamed line by line. The project's `subprocess`.
//
// Every child is the leader of a new process group, so a timeout or Cancel()
// also reaches what it started (`make` and its compilers, `sh` and its
// pipeline): SIGTERM to the group, then SIGKILL after `kill_grace`. When the
// leader exits, the rest of its group is killed too (unless
// `kill_group_on_exit` is false), so no background process outlives a step
// and holds its pipes open. Children never inherit the caller's descriptors
// beyond stdin/stdout/stderr, and are always reaped.
//
// Thread-safety: RunProcess may be called from many threads at once. A
// Process is driven by one thread (Wait); Cancel() may be called from any
// thread. Callbacks run on the thread in Wait()/RunProcess().
// Errors (as Status, before anything ran): InvalidArgument for a bad spec,
// NotFound when the program or working directory does not exist,
// PermissionDenied when it is not executable, Internal when the OS refuses
// pipes or processes. A program that ran and failed is not an error: look at
// ProcessResult (exit_code, signal, timed_out).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

struct ProcessSpec {
  // argv[0] is the program: a path, or a name looked up in PATH (the PATH of
  // `env` when it has one, else the caller's).
  std::vector<std::string> argv;
  // Without inherit_env the child sees only these variables.
  std::map<std::string, std::string> env;
  bool inherit_env = false;  // start from the caller's environment, then apply `env`
  std::string cwd;           // empty: the caller's working directory
  std::string stdin_data;    // written to the child's stdin; empty: stdin is /dev/null
  // 0: no timeout. Measured on the Clock given to RunProcess/Start.
  std::chrono::milliseconds timeout{0};
  // Between SIGTERM and SIGKILL on timeout or Cancel().
  std::chrono::milliseconds kill_grace{2000};
  // Only when explicitly asked: argv[0] is a script run by `/bin/sh -c`, and
  // argv[1..] become its positional parameters $1, $2, ... (never spliced into
  // the script text).
  bool use_shell = false;
  bool kill_group_on_exit = true;
  // Called for each line (without its '\n'); a last line without a newline is
  // delivered at EOF. Lines longer than max_line_bytes arrive in pieces.
  std::function<void(std::string_view line)> on_stdout_line;
  std::function<void(std::string_view line)> on_stderr_line;
  size_t max_line_bytes = 64 * 1024;
  // Per stream; beyond it output is still streamed but no longer captured.
  size_t max_captured_bytes = 16 * 1024 * 1024;
};

struct ProcessResult {
  pid_t pid = 0;           // also the process group id
  int exit_code = -1;      // -1 when killed by a signal
  int signal = 0;          // the terminating signal, 0 when it exited
  bool timed_out = false;  // the timeout fired and the group was killed
  bool cancelled = false;  // Cancel() was called and the group was killed
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  Duration elapsed{0};

  bool ok() const { return exit_code == 0 && signal == 0 && !timed_out && !cancelled; }
  // "exited with code 2", "killed by signal 9 (SIGKILL) after timing out", ...
  std::string Describe() const;
};

// A started process. Destroying it before Wait() returns kills the group
// (SIGKILL) and reaps the child.
class Process {
 public:
  static Result<std::unique_ptr<Process>> Start(const ProcessSpec& spec, Clock& clock = SystemClock());
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Feeds stdin, pumps output, enforces the timeout, and reaps the child.
  // Call once.
  Result<ProcessResult> Wait();
  // Asks Wait() to stop the process group (SIGTERM, then SIGKILL after the
  // grace period). Thread-safe, async-signal-unsafe, idempotent.
  void Cancel();

 private:
  Process(const ProcessSpec& spec, Clock& clock);

  ProcessSpec spec_;
  Clock& clock_;
  MonoTime started_{};
  pid_t pid_ = -1;
  int pidfd_ = -1;  // readable when the child exits
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Cancel() wakes poll()
  std::atomic<bool> cancel_requested_{false};
  bool reaped_ = false;
};

// Start() + Wait().
Result<ProcessResult> RunProcess(const ProcessSpec& spec, Clock& clock = SystemClock());

}  // namespace kelola
