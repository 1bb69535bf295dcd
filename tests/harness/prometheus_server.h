// PrometheusServer: a real Prometheus (Debian's `prometheus`, 2.42) on
// 127.0.0.1:<free port> with a generated config and its TSDB in a temp
// dir, stopped and wiped on destruction.
//
// The config scrapes `scrape_targets` ("127.0.0.1:PORT", path /metrics) as
// job "kelola" every `scrape_interval`. Its own port is not scraped.
//
// Errors: FailedPrecondition when prometheus is not installed (tests skip);
// Unavailable when it did not answer GET /-/ready (the message carries its
// log). Thread-safety: one owner; the accessors are const.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

struct PrometheusServerOptions {
  std::vector<std::string> scrape_targets;
  std::string scrape_interval = "1s";
};

class PrometheusServer {
 public:
  // Takes about 1 s.
  static Result<std::unique_ptr<PrometheusServer>> Start(const PrometheusServerOptions& options);
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;
  ~PrometheusServer();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& log_path() const { return process_->log_path(); }
  // The generated prometheus.yml's text.
  static std::string Config(const PrometheusServerOptions& options);

 private:
  PrometheusServer(std::unique_ptr<TempDir> dir, std::unique_ptr<ChildProcess> process, int port)
      : dir_(std::move(dir)), process_(std::move(process)), port_(port) {}
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_;
};

}  // namespace kelola::harness
