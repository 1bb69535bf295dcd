// DockerRegistry: a private OCI registry (Debian's docker-registry,
// distribution 2.8) on 127.0.0.1:<free port>, with storage in a temp dir,
// stopped and wiped on destruction.
//
// It always runs with its own config file: the package's default config
// turns on htpasswd auth and answers 401 to everything. 127.0.0.0/8 is an
// insecure registry to the Docker engine by default, so the engine pushes
// to it over plain HTTP without any daemon configuration.
//
// Errors: FailedPrecondition when docker-registry is not installed;
// Unavailable when it did not answer GET /v2/ (the message carries its log).
// Thread-safety: one owner; the accessors are const.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

class DockerRegistry {
 public:
  static Result<std::unique_ptr<DockerRegistry>> Start();
  DockerRegistry(const DockerRegistry&) = delete;
  DockerRegistry& operator=(const DockerRegistry&) = delete;
  ~DockerRegistry();

  int port() const { return port_; }
  // "127.0.0.1:PORT", the prefix of image names pushed here.
  std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }
  // "http://127.0.0.1:PORT".
  std::string url() const { return "http://" + host_port(); }
  const std::string& log_path() const { return process_->log_path(); }

 private:
  DockerRegistry(std::unique_ptr<TempDir> dir, std::unique_ptr<ChildProcess> process, int port)
      : dir_(std::move(dir)), process_(std::move(process)), port_(port) {}
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_;
};

}  // namespace kelola::harness
