// AlertmanagerServer: a real Prometheus Alertmanager (Debian's
// prometheus-alertmanager, 0.25) on 127.0.0.1:<free port>, with its config
// and storage (silences, notification log) in a temp dir, stopped and wiped
// on destruction.
//
// It always runs with --cluster.listen-address= (gossip off: the default
// binds 0.0.0.0:9094) and --web.external-url=http://127.0.0.1:PORT, so the
// externalURL of its notifications is known. The config is the caller's
// Alertmanager YAML; the default routes everything to a receiver that does
// nothing.
//
// Errors: FailedPrecondition when prometheus-alertmanager is not installed
// (tests skip); Unavailable when it did not answer GET /-/ready (the
// message carries its log).
// Thread-safety: one owner; the accessors are const.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

class AlertmanagerServer {
 public:
  static constexpr const char* kDefaultConfig =
      "route:\n  receiver: 'null'\n  group_wait: 1s\nreceivers:\n  - name: 'null'\n";

  // `config_yaml`: an Alertmanager config file's text. Takes about 1 s.
  static Result<std::unique_ptr<AlertmanagerServer>> Start(const std::string& config_yaml = kDefaultConfig);
  AlertmanagerServer(const AlertmanagerServer&) = delete;
  AlertmanagerServer& operator=(const AlertmanagerServer&) = delete;
  ~AlertmanagerServer();

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" — also its --web.external-url.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& log_path() const { return process_->log_path(); }

 private:
  AlertmanagerServer(std::unique_ptr<TempDir> dir, std::unique_ptr<ChildProcess> process, int port)
      : dir_(std::move(dir)), process_(std::move(process)), port_(port) {}
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_;
};

}  // namespace kelola::harness
