#include "tests/harness/alertmanager_server.h"

#include <thread>

#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"

namespace kelola::harness {
namespace {

constexpr int kPortAttempts = 3;
constexpr auto kReadyTimeout = std::chrono::seconds(20);

}  // namespace

Result<std::unique_ptr<AlertmanagerServer>> AlertmanagerServer::Start(const std::string& config_yaml) {
  auto binary = FindExecutable("prometheus-alertmanager");
  if (!binary) binary = FindExecutable("alertmanager");
  if (!binary) {
    return FailedPreconditionError(
        "prometheus-alertmanager is not installed: install the Debian package prometheus-alertmanager "
        "(scripts/install-deps does)");
  }
  KELOLA_ASSIGN_OR_RETURN(auto dir, TempDir::Create("kelola-alertmanager"));
  const std::string config = dir->File("alertmanager.yml");
  KELOLA_RETURN_IF_ERROR(WriteFile(config, config_yaml));
  Status last = OkStatus();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    KELOLA_ASSIGN_OR_RETURN(int port, FreePort());
    const std::string address = "127.0.0.1:" + std::to_string(port);
    SpawnOptions options;
    options.argv = {*binary,
                    "--config.file=" + config,
                    "--storage.path=" + dir->File("data"),
                    "--web.listen-address=" + address,
                    "--web.external-url=http://" + address,
                    "--cluster.listen-address=",
                    "--log.level=debug"};
    options.log_path = dir->File("alertmanager.log");
    KELOLA_ASSIGN_OR_RETURN(auto process, ChildProcess::Spawn(options));

    HttpRequestSpec probe;
    probe.url = "http://" + address + "/-/ready";
    probe.timeout = std::chrono::seconds(2);
    Clock& clock = SystemClock();
    const MonoTime deadline = clock.Monotonic() + kReadyTimeout;
    while (process->Running() && clock.Monotonic() < deadline) {
      auto reply = HttpCall(probe);
      if (reply.ok() && reply->status == 200) {
        return std::unique_ptr<AlertmanagerServer>(new AlertmanagerServer(std::move(dir), std::move(process), port));
      }
      last = reply.ok() ? UnavailableError("GET /-/ready answered " + std::to_string(reply->status)) : reply.status();
      // Real time on purpose: waiting for a real server to come up.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    process->Stop();
    const std::string log = TailOfFile(options.log_path);
    last = UnavailableError("prometheus-alertmanager on " + address + " did not become ready (" + last.ToString() +
                            "); log:\n" + log);
    // A lost race for the port is worth another try; a bad config is not.
    if (log.find("address already in use") == std::string::npos) break;
  }
  return last;
}

AlertmanagerServer::~AlertmanagerServer() {
  // The server goes before its data directory.
  process_.reset();
  dir_.reset();
}

}  // namespace kelola::harness
