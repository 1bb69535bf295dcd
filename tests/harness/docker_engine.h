// DockerEngine: a Docker engine answering on /var/run/docker.sock for tests,
// and the few Engine API calls the harness itself needs.
//
// Ensure() pings the engine (GET /_ping); when nothing answers it starts
// `dockerd --iptables=false` (log in /tmp/kelola-dockerd/dockerd.log) and
// waits up to 30 s. A dockerd started this way is deliberately LEFT RUNNING
// when the test ends: starting one takes seconds and every docker test
// would pay it again; later tests, and later test processes, find it
// answering. A file lock keeps parallel test processes from starting two.
// The API version is negotiated from the /_ping Api-Version header (the
// lower of the engine's and kMaxApiVersion).
//
// Errors: FailedPrecondition when dockerd is not installed — the only case
// in which tests may skip (scripts/install-deps installs docker.io);
// Unavailable when dockerd was started but did not answer in time (the
// message carries the tail of its log).
//
// Thread-safety: calls may be made from several threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "tests/harness/docker_logs.h"
#include "tests/harness/http_call.h"

namespace kelola::harness {

class DockerEngine {
 public:
  static constexpr const char* kSocketPath = "/var/run/docker.sock";
  static constexpr const char* kMaxApiVersion = "1.41";
  static constexpr const char* kDockerdLogDir = "/tmp/kelola-dockerd";
  // Label put on everything the harness creates, so cleanup can find it.
  static constexpr const char* kTestLabel = "kelola-test";

  static Result<std::unique_ptr<DockerEngine>> Ensure();

  const std::string& api_version() const { return api_version_; }
  // "http://docker/v1.41" — prefix for Engine API paths.
  std::string BaseUrl() const;

  // One Engine API call: `path` like "/containers/create?name=x", prefixed
  // with the negotiated version.
  Result<HttpReply> Call(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::string& content_type = "", std::vector<std::string> headers = {},
                         Duration timeout = std::chrono::seconds(120));

  // Builds `tag` FROM scratch holding the host's static busybox (with its
  // applets linked into /bin), sending the build context as an in-memory
  // tar. FailedPrecondition when /bin/busybox is missing or not static.
  Status BuildBusyboxImage(const std::string& tag);
  // POST /images/{source}/tag.
  Status TagImage(const std::string& source, const std::string& repo, const std::string& tag);
  // POST /images/{repo}/push with an empty X-Registry-Auth (e30=), checking
  // every line of the progress stream for an error.
  Status PushImage(const std::string& repo, const std::string& tag);

  struct ContainerRun {
    int exit_code = -1;
    ContainerOutput output;
  };
  // Creates (labelled kelola-test), starts, waits for, reads the logs of and
  // removes a container running `cmd` in `image`.
  Result<ContainerRun> RunContainer(const std::string& image, const std::vector<std::string>& cmd);

 private:
  explicit DockerEngine(std::string api_version) : api_version_(std::move(api_version)) {}
  std::string api_version_;
};

// The lower of two "major.minor" API versions ("1.41" < "1.43", "1.9" < "1.12").
std::string LowerApiVersion(const std::string& a, const std::string& b);

// Scans a JSON-lines progress stream (build, push) for an "errorDetail" or
// "error" member; returns Internal with its message prefixed by `what`.
Status CheckProgressStream(const std::string& stream, const std::string& what);

}  // namespace kelola::harness
