#include "tests/harness/docker_registry.h"

#include <thread>

#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"

namespace kelola::harness {
namespace {

constexpr int kPortAttempts = 3;
constexpr auto kReadyTimeout = std::chrono::seconds(20);

std::string RegistryConfig(const std::string& data_dir, int port) {
  return "version: 0.1\n"
         "log: {level: info, fields: {service: registry}}\n"
         "storage:\n"
         "  cache: {blobdescriptor: inmemory}\n"
         "  filesystem: {rootdirectory: " +
         data_dir +
         "}\n"
         "  delete: {enabled: true}\n"
         "http:\n"
         "  addr: 127.0.0.1:" +
         std::to_string(port) +
         "\n"
         "  headers: {X-Content-Type-Options: [nosniff]}\n";
}

}  // namespace

Result<std::unique_ptr<DockerRegistry>> DockerRegistry::Start() {
  auto binary = FindExecutable("docker-registry");
  if (!binary) {
    return FailedPreconditionError(
        "docker-registry is not installed: install the Debian package docker-registry "
        "(scripts/install-deps does)");
  }
  KELOLA_ASSIGN_OR_RETURN(auto dir, TempDir::Create("kelola-registry"));
  Status last = OkStatus();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    KELOLA_ASSIGN_OR_RETURN(int port, FreePort());
    const std::string config = dir->File("registry-" + std::to_string(port) + ".yml");
    KELOLA_RETURN_IF_ERROR(WriteFile(config, RegistryConfig(dir->File("data"), port)));
    SpawnOptions options;
    options.argv = {*binary, "serve", config};
    options.log_path = dir->File("registry.log");
    KELOLA_ASSIGN_OR_RETURN(auto process, ChildProcess::Spawn(options));

    HttpRequestSpec probe;
    probe.url = "http://127.0.0.1:" + std::to_string(port) + "/v2/";
    probe.timeout = std::chrono::seconds(2);
    Clock& clock = SystemClock();
    const MonoTime deadline = clock.Monotonic() + kReadyTimeout;
    while (process->Running() && clock.Monotonic() < deadline) {
      auto reply = HttpCall(probe);
      if (reply.ok() && reply->status == 200) {
        return std::unique_ptr<DockerRegistry>(new DockerRegistry(std::move(dir), std::move(process), port));
      }
      if (reply.ok()) {
        // 401 means the package's default config was used: a bug here,
        // not a slow start.
        last = UnavailableError("registry answered GET /v2/ with " + std::to_string(reply->status));
        if (reply->status == 401) break;
      } else {
        last = reply.status();
      }
      // Real time on purpose: waiting for a real server to come up.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    process->Stop();
    last = UnavailableError("docker-registry on port " + std::to_string(port) + " did not become ready (" +
                            last.ToString() + "); log:\n" + TailOfFile(options.log_path));
    // A lost race for the port is worth another try; anything else is not
    // going to change.
    if (TailOfFile(options.log_path).find("address already in use") == std::string::npos) break;
  }
  return last;
}

DockerRegistry::~DockerRegistry() {
  // The server goes before its data directory.
  process_.reset();
  dir_.reset();
}

}  // namespace kelola::harness
