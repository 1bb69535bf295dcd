// MotoServer: moto's server (`moto_server`, PyPI moto[server] 5.x), the AWS
// emulator the aws provider's tests run against, on 127.0.0.1:<free port>,
// stopped by pid on destruction.
//
// It comes from the venv scripts/install-deps creates ($KELOLA_VENV, else
// /opt/kelola-venv), else from PATH. With `auth_after_requests` >= 0 moto
// checks SigV4 signatures and IAM policies after that many unauthenticated
// requests (its INITIAL_NO_AUTH_ACTION_COUNT): a test creates an IAM user and
// its access key within them, and every later call must be signed right.
// Otherwise moto accepts any credentials.
//
// Errors: FailedPrecondition when moto_server is not installed (the message
// says to run scripts/install-deps); Unavailable when it did not answer
// GET /moto-api/ (the message carries its log).
// Thread-safety: one owner; the accessors are const.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

struct MotoServerOptions {
  int auth_after_requests = -1;  // -1: no authentication at all
};

class MotoServer {
 public:
  // About 1 s.
  static Result<std::unique_ptr<MotoServer>> Start(const MotoServerOptions& options = {});
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;
  ~MotoServer();

  int port() const { return port_; }
  // "http://127.0.0.1:PORT": the endpoint of every emulated service.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& log_path() const { return process_->log_path(); }
  pid_t pid() const { return process_->pid(); }
  // Forgets every resource (POST /moto-api/reset).
  Status Reset();

 private:
  MotoServer(std::unique_ptr<TempDir> dir, std::unique_ptr<ChildProcess> process, int port)
      : dir_(std::move(dir)), process_(std::move(process)), port_(port) {}
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_;
};

// The moto_server executable, or nullopt.
std::optional<std::string> FindMotoServer();

}  // namespace kelola::harness
