#include "tests/harness/prometheus_server.h"

#include <thread>

#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"

namespace kelola::harness {
namespace {

constexpr int kPortAttempts = 3;
constexpr auto kReadyTimeout = std::chrono::seconds(30);

}  // namespace

std::string PrometheusServer::Config(const PrometheusServerOptions& options) {
  std::string yaml = "global:\n  scrape_interval: " + options.scrape_interval +
                     "\n  evaluation_interval: " + options.scrape_interval + "\nscrape_configs:\n";
  if (options.scrape_targets.empty()) return yaml + "  []\n";
  yaml += "  - job_name: kelola\n    metrics_path: /metrics\n    static_configs:\n      - targets:\n";
  for (const auto& t : options.scrape_targets) yaml += "          - '" + t + "'\n";
  return yaml;
}

Result<std::unique_ptr<PrometheusServer>> PrometheusServer::Start(const PrometheusServerOptions& options) {
  auto binary = FindExecutable("prometheus");
  if (!binary) {
    return FailedPreconditionError(
        "prometheus is not installed: install the Debian package prometheus (scripts/install-deps does)");
  }
  KELOLA_ASSIGN_OR_RETURN(auto dir, TempDir::Create("kelola-prometheus"));
  const std::string config = dir->File("prometheus.yml");
  KELOLA_RETURN_IF_ERROR(WriteFile(config, Config(options)));
  Status last = OkStatus();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    KELOLA_ASSIGN_OR_RETURN(int port, FreePort());
    const std::string address = "127.0.0.1:" + std::to_string(port);
    SpawnOptions spawn;
    spawn.argv = {*binary, "--config.file=" + config, "--storage.tsdb.path=" + dir->File("data"),
                  "--web.listen-address=" + address, "--web.enable-lifecycle"};
    spawn.log_path = dir->File("prometheus.log");
    KELOLA_ASSIGN_OR_RETURN(auto process, ChildProcess::Spawn(spawn));

    HttpRequestSpec probe;
    probe.url = "http://" + address + "/-/ready";
    probe.timeout = std::chrono::seconds(2);
    Clock& clock = SystemClock();
    const MonoTime deadline = clock.Monotonic() + kReadyTimeout;
    while (process->Running() && clock.Monotonic() < deadline) {
      auto reply = HttpCall(probe);
      if (reply.ok() && reply->status == 200) {
        return std::unique_ptr<PrometheusServer>(new PrometheusServer(std::move(dir), std::move(process), port));
      }
      last = reply.ok() ? UnavailableError("GET /-/ready answered " + std::to_string(reply->status)) : reply.status();
      // Real time on purpose: waiting for a real server to come up.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    process->Stop();
    const std::string log = TailOfFile(spawn.log_path);
    last =
        UnavailableError("prometheus on " + address + " did not become ready (" + last.ToString() + "); log:\n" + log);
    if (log.find("address already in use") == std::string::npos) break;
  }
  return last;
}

PrometheusServer::~PrometheusServer() {
  process_.reset();
  dir_.reset();
}

}  // namespace kelola::harness
