#include "agent/agent_daemon.h"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <thread>

#include "agent/batch_sender.h"
#include "agent/host_metrics.h"
#include "agent/log_agent.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "net/http_server.h"

namespace kelola {
namespace {

Status SplitHostPort(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  unsigned value = 0;
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError("metrics_listen: expected host:port, got \"" + text + "\"");
  }
  std::string p = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    return InvalidArgumentError("metrics_listen: port must be 0-65535, got \"" + p + "\"");
  }
  host = text.substr(0, colon);
  port = static_cast<uint16_t>(value);
  return OkStatus();
}

}  // namespace

class AgentDaemon::Impl {
 public:
  explicit Impl(AgentOptions o) : options(std::move(o)) {}

  Status Start() {
    HttpBatchSenderOptions so;
    so.servers = options.servers;
    so.token = options.token;
    so.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.request_timeout);
    so.verify_tls = options.verify_tls;
    so.ca_file = options.ca_file;
    sender = std::make_unique<HttpBatchSender>(so);
    options.send_in_background = true;  // the agent reads and encodes while the server stores
    KELOLA_ASSIGN_OR_RETURN(agent, LogAgent::Create(options, *sender, clock, metrics));
    if (!options.metrics_listen.empty()) {
      HttpServerOptions http;
      KELOLA_RETURN_IF_ERROR(SplitHostPort(options.metrics_listen, http.host, http.port));
      http.io_threads = 1;
      server = std::make_unique<HttpServer>(http);
      server->Route("GET", "/metrics", [this](HttpRequest&) {
        return HttpResponse::Text(200, metrics.RenderText(), "text/plain; version=0.0.4; charset=utf-8");
      });
      server->Route("GET", "/healthz", [](HttpRequest&) { return HttpResponse::Json(200, R"({"status":"ok"})"); });
      KELOLA_RETURN_IF_ERROR(server->Start());
    }
    if (options.host_metrics.enabled) {
      HostMetricsReporterOptions ro;
      ro.metrics = options.host_metrics;
      ro.host = options.name;
      ro.servers = options.servers;
      ro.token = options.token;
      ro.timeout = std::min(so.timeout, std::chrono::milliseconds(10'000));
      ro.verify_tls = options.verify_tls;
      ro.ca_file = options.ca_file;
      ro.retry_initial = options.retry_initial;
      ro.retry_max = options.retry_max;
      host_metrics = std::make_unique<HostMetricsReporter>(ro, metrics, clock);
      host_metrics->Start();
    }
    worker = std::thread([this] {
      Status s = agent->Run();
      if (!s.ok()) LogError("log agent stopped", {{"error", s.ToString()}});
      if (s.ok() && agent->finished()) {
        // stdin ended and everything read was acknowledged: end the process
        // the way an operator would (the main thread waits for SIGTERM).
        LogInfo("standard input ended and every record was acknowledged; stopping", {});
        ::kill(::getpid(), SIGTERM);
      }
    });
    LogInfo("kelola agent running", {{"name", options.name},
                                     {"server", options.server},
                                     {"metrics_port", std::to_string(server ? server->port() : 0)}});
    return OkStatus();
  }

  void Stop() {
    if (host_metrics) host_metrics->Stop();
    if (agent) agent->Stop();
    if (worker.joinable()) worker.join();
    if (server) server->Stop();
  }

  AgentOptions options;
  RealClock clock;
  MetricsRegistry metrics;
  std::unique_ptr<HttpBatchSender> sender;
  std::unique_ptr<LogAgent> agent;
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<HostMetricsReporter> host_metrics;  // after `metrics`: sets its gauges
  std::thread worker;
};

AgentDaemon::AgentDaemon(AgentOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
AgentDaemon::~AgentDaemon() { Stop(); }
Status AgentDaemon::Start() { return impl_->Start(); }
uint16_t AgentDaemon::metrics_port() const { return impl_->server ? impl_->server->port() : 0; }
void AgentDaemon::Stop() { impl_->Stop(); }

}  // namespace kelola
