// ChildProcess: a long-running server the harness started (sshd, registry,
// dockerd), owned by pid. Destruction stops it: SIGTERM, then SIGKILL after
// a grace period, then reaps it. Output goes to a log file so a failing
// test can show why its server died.
//
// Programs run from an argv vector through posix_spawn: no shell, so no
// quoting of paths or arguments is ever needed.
//
// Thread-safety: one owner. Errors: Spawn() returns NotFound when the
// program does not exist, Internal for other spawn failures.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola::harness {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0]: absolute path or a name found in PATH
  std::string log_path;           // stdout and stderr are appended here; "" = /dev/null
  std::vector<std::string> env;   // "NAME=value" entries added to (or replacing) the environment
  // Start in a session of its own, so that it outlives this process if
  // Release()d (dockerd), and does not get the terminal's signals.
  bool new_session = false;
};

class ChildProcess {
 public:
  static Result<std::unique_ptr<ChildProcess>> Spawn(const SpawnOptions& options);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // False once it exited (reaping it); exit_code() then says how.
  bool Running();
  // Exit status (or 128 + signal) once it has exited.
  std::optional<int> exit_code() const { return exit_code_; }
  // SIGTERM, waits up to `grace`, then SIGKILL; always reaps.
  void Stop(Duration grace = std::chrono::seconds(5));
  // Lets it run on after this object is gone (it is neither stopped nor
  // reaped).
  void Release() { released_ = true; }

 private:
  ChildProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  std::optional<int> exit_code_;
  bool released_ = false;
};

// Finds an executable by name in PATH and the sbin directories (which a
// non-login root shell may lack). nullopt when there is none.
std::optional<std::string> FindExecutable(const std::string& name);

// Decodes a waitpid() status: the exit code, or 128 + signal number.
int DecodeWaitStatus(int status);

}  // namespace kelola::harness
