// KelolaServer: the real `kelola server` binary under test, started on a
// free loopback port with its own data dir, for integration tests.
//
// Start() spawns `$KELOLA_BINARY server --listen 127.0.0.1:PORT --data-dir
// DIR [--config FILE] ARGS...` and returns once the port accepts
// connections and the first admin token is written (or the process died:
// the error then quotes the tail of its log). Stop() and Kill() leave the
// data dir, so Start() on the same options is a restart of the same server.
// Cli() runs `kelola <args>` in a clean environment pointed at it.
//
// Thread-safety: one owner. Real time is used on purpose: it waits for a
// real process.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/run_command.h"

namespace kelola::harness {

// $KELOLA_BINARY (set by the build for every test), else "kelola".
std::string KelolaBinary();

struct KelolaServerOptions {
  std::string data_dir;                 // required; created by the server
  std::string log_path;                 // default: data_dir + ".log"
  int port = 0;                         // 0: a free port is chosen (and kept across restarts)
  std::string config_yaml;              // when set, written to data_dir + ".yaml" and passed as --config
  std::vector<std::string> extra_args;  // after the standard ones
  std::vector<std::string> env;         // "NAME=value" added to the server's environment
  Duration start_timeout = std::chrono::seconds(60);
};

class KelolaServer {
 public:
  static Result<std::unique_ptr<KelolaServer>> Start(KelolaServerOptions options);
  ~KelolaServer();

  int port() const { return options_.port; }
  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  const KelolaServerOptions& options() const { return options_; }
  // The admin token the first start wrote to data_dir/admin.token.
  std::string AdminToken() const;
  bool Running();
  // Once it exited: its exit code, or 128 + signal.
  std::optional<int> exit_code() const { return process_ ? process_->exit_code() : std::nullopt; }
  // SIGTERM (then SIGKILL after `grace`); the data dir stays.
  void Stop(Duration grace = std::chrono::seconds(5));
  // SIGKILL at once, as a crash.
  void Kill();
  // Starts it again on the same port and data dir.
  Status Restart();
  pid_t pid() const;
  // The last lines of its log, for failure messages.
  std::string LogTail() const;

  // `kelola ARGS` with env -i HOME, PATH, KELOLA_SERVER and KELOLA_TOKEN
  // (the admin token unless `token` is given).
  Result<CommandResult> Cli(const std::vector<std::string>& args, const std::string& token = "",
                            const std::string& input = "", Duration timeout = std::chrono::seconds(60)) const;

 private:
  explicit KelolaServer(KelolaServerOptions options);
  Status Spawn();

  KelolaServerOptions options_;
  std::string url_;
  std::string home_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace kelola::harness
