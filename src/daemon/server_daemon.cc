#include "daemon/server_daemon.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "alerting/alerting_service.h"
#include "analyze/template_snapshot.h"
#include "api/api_server.h"
#include "api/auth.h"
#include "api/es_bulk_handlers.h"
#include "api/kinds.h"
#include "api/log_handlers.h"
#include "api/log_template_handlers.h"
#include "api/loki_push_handlers.h"
#include "api/metrics_handlers.h"
#include "api/run_artifact_handlers.h"
#include "api/run_log_handlers.h"
#include "api/secret_sealer.h"
#include "api/sink_handlers.h"
#include "api/ui_handlers.h"
#include "autoscale/autoscaler_controller.h"
#include "autoscale/metric_readers.h"
#include "base/metrics.h"
#include "daemon/deploy_service.h"
#include "daemon/fleet_service.h"
#include "engine/controller_manager.h"
#include "engine/leader_elector.h"
#include "exec/execution_service.h"
#include "integrations/github/delivery_reconciler.h"
#include "integrations/registry.h"
#include "logs/shared_log_feed.h"
#include "logs/shared_log_publisher.h"
#include "logs/sink_forwarder.h"
#include "logwatch/log_watcher.h"
#include "metrics/series_persistence.h"
#include "net/http_server.h"
#include "pipeline/inbox_consumer.h"
#include "runworker/run_service.h"
#include "store/postgres_log_batches.h"
#include "store/postgres_store.h"
#include "store/store.h"

namespace kelola {
namespace {

std::string Version() { return KELOLA_VERSION; }

Status WriteTokenFile(const std::string& path, const std::string& token) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("creating " + path + ": " + std::strerror(errno));
  std::string data = token + "\n";
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ::fchmod(fd, 0600);
  ::fsync(fd);
  ::close(fd);
  return ok ? OkStatus() : InternalError("writing " + path + ": " + std::strerror(errno));
}

// Names this process among the replicas sharing a database, as lease
// holder: "host:pid:nonce" (the nonce tells a restarted process with a
// recycled pid from its predecessor).
std::string ReplicaIdentity() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::strcpy(host, "kelola");
  std::string name = host;
  for (char& c : name) {
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\') c = '_';
  }
  std::random_device random;
  char nonce[9];
  std::snprintf(nonce, sizeof(nonce), "%08x", static_cast<unsigned>(random()));
  return name + ":" + std::to_string(::getpid()) + ":" + nonce;
}

}  // namespace

Status ParseListenAddress(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError("listen: expected host:port (e.g. 127.0.0.1:7480), got \"" + text + "\"");
  }
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string p = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    return InvalidArgumentError("listen: port must be 0-65535, got \"" + p + "\"");
  }
  port = static_cast<uint16_t>(value);
  return OkStatus();
}

class ServerDaemon::Impl {
 public:
  explicit Impl(ServerOptions o) : options(std::move(o)) {}

  Result<StartInfo> Start() {
    std::string host;
    uint16_t port = 0;
    KELOLA_RETURN_IF_ERROR(ParseListenAddress(options.listen, host, port));
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) return InvalidArgumentError("data_dir " + options.data_dir + ": " + ec.message());
    ::chmod(options.data_dir.c_str(), 0700);

    if (options.store.empty()) {
      KELOLA_ASSIGN_OR_RETURN(store, OpenSqliteStore(options.data_dir + "/kelola.db", clock));
    } else if (IsPostgresUrl(options.store)) {
      KELOLA_ASSIGN_OR_RETURN(store, OpenPostgresStore(options.store, clock));
    } else {
      return InvalidArgumentError("store: expected empty (SQLite) or a postgres:// or postgresql:// URL");
    }
    KELOLA_ASSIGN_OR_RETURN(SecretBox box, LoadOrCreateMasterKey(options.data_dir, options.master_key_base64));
    sealer = std::make_unique<SecretSealer>(*store, std::move(box));

    StartInfo info;
    KELOLA_ASSIGN_OR_RETURN(auto tokens, store->ListTokens());
    if (tokens.empty()) {
      KELOLA_ASSIGN_OR_RETURN(IssuedToken admin, IssueToken(*store, clock, "admin", Role::kAdmin));
      KELOLA_RETURN_IF_ERROR(WriteTokenFile(options.data_dir + "/admin.token", admin.plaintext));
      Event e;
      e.type = "audit.token.created";
      e.subject = "token/" + admin.record.id;
      e.actor = "system";
      e.data_json = R"({"name":"admin","role":"admin","reason":"first start"})";
      (void)store->AppendEvent(e);
      info.new_admin_token = admin.plaintext;
    }

    auto& requests = metrics.AddCounter("kelola_http_requests_total", "HTTP requests served, by route and status code.",
                                        {"method", "route", "code"});
    auto& latency = metrics.AddHistogram("kelola_http_request_duration_seconds",
                                         "Time from request read to response written, by route.", {"method", "route"},
                                         ExponentialBuckets(0.0001, 4, 9));
    auto& events_total = metrics.AddGauge("kelola_event_log_last_id", "Id of the newest event in the event log.", {});
    render_metrics = [this, &events_total] {
      events_total.Get().Set(static_cast<double>(store->LastEventId()));
      return metrics.RenderText();
    };

    ExecutionServiceOptions exec_options;
    exec_options.work_dir = options.data_dir + "/executions";
    exec_options.known_hosts_path = options.data_dir + "/known_hosts";
    executions = std::make_unique<ExecutionService>(
        *store, clock, [this](const std::string& name) { return sealer->Resolve(name); }, exec_options);
    ctx = std::make_unique<ApiContext>(ApiContext{*store, clock, kinds, *sealer, Version(), render_metrics,
                                                  [this] { return ready.load(); }, &shutting_down, executions.get()});
    ctx->files_dir = options.data_dir + "/files";
    ctx->max_file_bytes = static_cast<uint64_t>(options.max_file_bytes);
    ctx->fleet_quota = options.fleet_quota;
    HttpServerOptions http;
    http.host = host;
    http.port = port;
    http.io_threads = options.io_threads;
    http.max_body_bytes = static_cast<size_t>(options.max_body_bytes);
    http.tls_cert_file = options.tls_cert_file;
    http.tls_key_file = options.tls_key_file;
    server = std::make_unique<HttpServer>(http);
    server->OnResponse(
        [&requests, &latency](const std::string& method, const std::string& route, int status, double seconds) {
          const std::string& r = route.empty() ? std::string("unmatched") : route;
          requests.WithLabels({method, r, std::to_string(status)}).Inc();
          latency.WithLabels({method, r}).Observe(seconds);
        });
    // Before the API's generic /v1/{plural}/{name} routes: the first match wins.
    LogStoreOptions log_options;
    log_options.dir = options.data_dir + "/logs";
    log_options.retention_age = options.log_retention_age;
    log_options.retention_bytes = options.log_retention_bytes;
    log_options.segment_max_bytes = options.log_segment_max_bytes;
    log_options.segment_max_age = options.log_segment_max_age;
    KELOLA_RETURN_IF_ERROR(OpenTemplateMiner(log_options));
    KELOLA_ASSIGN_OR_RETURN(logs, LogStore::Open(log_options, clock));
    KELOLA_RETURN_IF_ERROR(OpenSharedLogs());
    RegisterLogRoutes(*server, *ctx, *logs, metrics, log_publisher.get());
    RegisterLogTemplateRoutes(*server, *ctx, *templates);
    RegisterLokiPushRoutes(*server, *ctx, *logs, metrics, {}, log_publisher.get());
    // Before the ES banner at GET /: browsers get the web UI there (api/ui_handlers.h).
    RegisterUiRoutes(*server, EmbeddedUiAssets(), [this](HttpRequest& r) { return EsBanner(*ctx, r); });
    RegisterEsBulkRoutes(*server, *ctx, *logs, metrics, log_publisher.get());
    KELOLA_RETURN_IF_ERROR(OpenMetricsStore());
    RegisterMetricsRoutes(*server, *ctx, *metrics_store, metrics);
    KELOLA_RETURN_IF_ERROR(OpenSinkForwarders());
    std::vector<const SinkForwarder*> sink_views;
    for (const auto& f : forwarders) sink_views.push_back(f.get());
    RegisterSinkRoutes(*server, *ctx, std::move(sink_views));
    RegisterRunLogRoutes(*server, *ctx, RunService::LogsDir(options.data_dir));
    RegisterRunArtifactRoutes(*server, *ctx, RunService::ArtifactsDir(options.data_dir));
    RegisterApiRoutes(*server, *ctx);

    controllers = std::make_unique<ControllerManager>(*store, clock);
    // Always on, even with SQLite: a controller registered later is then
    // born safe to run on several replicas.
    LeaderElectionConfig election;
    election.holder = ReplicaIdentity();
    election.lease_duration = options.lease_duration;
    election.renew_deadline = options.renew_deadline;
    election.retry_period = options.retry_period;
    KELOLA_RETURN_IF_ERROR(controllers->EnableLeaderElection(election));
    KELOLA_RETURN_IF_ERROR(RegisterInboxConsumer(*controllers, clock, std::chrono::seconds(30)));
    KELOLA_RETURN_IF_ERROR(RegisterDeliveryReconciler(
        *controllers, clock, [this](const std::string& name) { return sealer->Resolve(name); }));
    fleet = std::make_unique<FleetService>(
        *store, clock, [this](const std::string& name) { return sealer->Resolve(name); },
        [this] {
          FleetServiceOptions o = options.fleet;
          o.data_dir = options.data_dir;
          return o;
        }());
    KELOLA_RETURN_IF_ERROR(fleet->Register(*controllers));
    ctx->fleet_providers = &fleet->providers();  // ServerGroup writes ask the provider too (before server->Start)
    autoscaler_reader = std::make_unique<SeriesStoreReader>(*metrics_store, clock, options.autoscaler_metric_window);
    KELOLA_RETURN_IF_ERROR(RegisterAutoscalerController(
        *controllers,
        AutoscalerOptions{&clock, autoscaler_reader.get(), options.autoscaler_interval, options.autoscaler_dry_run}));
    deploys = std::make_unique<DeployService>(
        *store, clock, [this](const std::string& name) { return sealer->Resolve(name); },
        DeployServiceOptions{.data_dir = options.data_dir, .stopping = &shutting_down});
    KELOLA_RETURN_IF_ERROR(deploys->Register(*controllers));
    KELOLA_RETURN_IF_ERROR(controllers->Start());
    // A stored delivery (from this replica or, with PostgreSQL, another one)
    // wakes the inbox consumer at once; the resync catches anything missed.
    inbox_wakeup = store->Subscribe([this](const Event& e) {
      if (e.type == "webhook.received" && controllers) (void)controllers->Enqueue(kInboxControllerName, kInboxKey);
    });
    (void)controllers->Enqueue(kInboxControllerName, kInboxKey);  // entries left from before a restart
    KELOLA_RETURN_IF_ERROR(StartAlerting(election.holder));
    KELOLA_RETURN_IF_ERROR(server->Start());
    for (auto& f : forwarders) f->Start();
    ready = true;
    std::string scheme = options.tls_cert_file.empty() ? "http" : "https";
    std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    info.url = scheme + "://" + shown_host + ":" + std::to_string(server->port());
    // Pipeline runs: after the server, so the run link has the real port.
    runs = std::make_unique<RunService>(
        *store, clock, [this](const std::string& name) { return sealer->Resolve(name); },
        RunServiceOptions{.data_dir = options.data_dir,
                          .external_url = options.external_url.empty() ? info.url : options.external_url,
                          .replica = StableReplicaName(options.data_dir),
                          .max_concurrent = options.runs_max_concurrent,
                          .stale_after = options.runs_stale_after});
    KELOLA_RETURN_IF_ERROR(runs->Start());
    LogInfo("kelola server listening", {{"url", info.url},
                                        {"data_dir", options.data_dir},
                                        {"store", options.store.empty() ? std::string("sqlite") : "postgresql"},
                                        {"replica", election.holder},
                                        {"version", Version()}});
    return info;
  }

  void Stop() {
    if (stopped.exchange(true)) return;
    ready = false;
    shutting_down = true;
    if (server) server->Stop();
    if (log_feed) log_feed->Stop();
    if (log_batches_elector) log_batches_elector->Stop();
    for (auto& f : forwarders) f->Stop();
    if (executions) executions->Shutdown();
    if (runs) runs->Stop();
    inbox_wakeup.reset();
    if (watcher) watcher->Stop();
    if (alerting) alerting->Stop();
    if (controllers) controllers->Stop();
    StopTemplateSnapshots();
    if (metrics_snapshots) metrics_snapshots->Stop();  // after the server: the last samples are in
    LogInfo("kelola server stopped");
  }

  // Every stored log line gets its template id (field template_id); the
  // miner's state is kept in DATA_DIR/logs-templates.json, written every
  // 30 s when it changed and at shutdown, reloaded here (docs/analysis.md).
  Status OpenTemplateMiner(LogStoreOptions& log_options) {
    templates = std::make_unique<analyze::TemplateMiner>();
    template_snapshot_path = options.data_dir + "/logs-templates.json";
    Status loaded = analyze::ReadTemplateSnapshot(*templates, template_snapshot_path);
    if (!loaded.ok() && loaded.code() != StatusCode::kNotFound) {
      // A damaged snapshot must not keep the server down: start afresh, keep the file.
      LogWarn("log templates: snapshot unreadable, starting empty", {{"error", loaded.ToString()}});
      std::error_code ec;
      std::filesystem::rename(template_snapshot_path, template_snapshot_path + ".bad", ec);
    }
    log_options.annotate_field = "template_id";
    log_options.annotate = [miner = templates.get()](const LogRecord& r) {
      return std::to_string(miner->Add(r.text, r.time_ms));
    };
    template_snapshots = std::thread([this] {
      std::unique_lock lock(template_mu);
      while (!template_cv.wait_for(lock, std::chrono::seconds(30), [this] { return template_stop; })) {
        lock.unlock();
        SaveTemplates();
        lock.lock();
      }
    });
    return OkStatus();
  }

  void SaveTemplates() {
    if (!templates || !templates->dirty()) return;
    Status s = analyze::WriteTemplateSnapshot(*templates, template_snapshot_path);
    if (!s.ok()) LogWarn("log templates: snapshot not written", {{"error", s.ToString()}});
  }

  void StopTemplateSnapshots() {
    {
      std::lock_guard lock(template_mu);
      template_stop = true;
    }
    template_cv.notify_all();
    if (template_snapshots.joinable()) template_snapshots.join();
    SaveTemplates();
  }

  // One forwarder per configured sink; state in DATA_DIR/log-sinks/NAME.
  Status OpenSinkForwarders() {
    KELOLA_ASSIGN_OR_RETURN(auto specs, ParseSinkSpecs(options.log_sinks));
    if (specs.empty()) return OkStatus();
    sink_metrics = std::make_unique<SinkMetrics>(metrics);
    for (const SinkSpec& spec : specs) {
      KELOLA_ASSIGN_OR_RETURN(auto sink, MakeSink(spec));
      SinkForwarderOptions fo;
      fo.name = spec.name;
      fo.state_dir = options.data_dir + "/log-sinks/" + spec.name;
      fo.batch_records = spec.batch_records;
      KELOLA_ASSIGN_OR_RETURN(auto f, SinkForwarder::Create(*logs, std::move(sink), fo, clock, sink_metrics.get()));
      LogInfo("log sink configured", {{"sink", spec.name},
                                      {"type", std::string(spec.type->type)},
                                      {"cursor", std::to_string(f->Stats().cursor)},
                                      {"lag", std::to_string(f->Stats().lag)}});
      forwarders.push_back(std::move(f));
    }
    return OkStatus();
  }

  ServerOptions options;
  RealClock clock;
  KindRegistry kinds = BuiltinKinds();
  MetricsRegistry metrics;
  std::function<std::string()> render_metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<SecretSealer> sealer;
  std::unique_ptr<ExecutionService> executions;
  std::unique_ptr<ApiContext> ctx;
  std::unique_ptr<analyze::TemplateMiner> templates;  // before `logs`: its annotate hook uses it
  std::string template_snapshot_path;
  std::thread template_snapshots;
  std::mutex template_mu;
  std::condition_variable template_cv;
  bool template_stop = false;
  std::unique_ptr<LogStore> logs;  // before `server`: outlives the handlers that use it
  // PostgreSQL mode (docs/operations.md): the shared log_batches table, the
  // ingest handlers' publisher into it, the lease whose holder deletes its
  // expired rows, and the feed applying every row to `logs`.
  std::unique_ptr<LogBatchTable> log_batches;
  std::unique_ptr<LeaderElector> log_batches_elector;
  std::unique_ptr<SharedLogFeed> log_feed;
  std::unique_ptr<SharedLogPublisher> log_publisher;  // waits on log_feed

  Status OpenSharedLogs() {
    if (!IsPostgresUrl(options.store)) return OkStatus();  // SQLite: one server, its own log store
    KELOLA_ASSIGN_OR_RETURN(log_batches, OpenPostgresLogBatchTable(options.store, clock));
    const std::string replica = StableReplicaName(options.data_dir);
    log_batches_elector = std::make_unique<LeaderElector>(
        *store, clock,
        LeaderElectionOptions{"controller/log-batches", ReplicaIdentity(), options.lease_duration,
                              options.renew_deadline, options.retry_period},
        LeaderCallbacks{});
    KELOLA_RETURN_IF_ERROR(log_batches_elector->Start());
    SharedLogFeedOptions fo;
    fo.cursor_path = options.data_dir + "/logs-shared.applied";
    fo.retention = options.log_shared_retention;
    fo.fence = [elector = log_batches_elector.get()] { return elector->Fence(); };
    KELOLA_ASSIGN_OR_RETURN(log_feed, SharedLogFeed::Create(*log_batches, *logs, fo, clock, &metrics));
    log_publisher = std::make_unique<SharedLogPublisher>(*log_batches, log_feed.get(), replica, clock);
    LogInfo("shared logs: applying every replica's log batches from PostgreSQL",
            {{"applied_id", std::to_string(log_feed->Stats().applied_id)}});
    log_feed->Start();
    return OkStatus();
  }
  std::unique_ptr<metrics::SeriesStore> metrics_store;  // before `server`, like `logs`
  std::unique_ptr<metrics::SeriesSnapshotter> metrics_snapshots;

  // Host metrics (src/metrics): DATA_DIR/metrics/series.snap loaded now,
  // written every metrics.snapshot_interval and at shutdown.
  Status OpenMetricsStore() {
    metrics::SeriesStoreOptions mo{.resolution = options.metrics_resolution,
                                   .retention = options.metrics_retention,
                                   .max_series = static_cast<size_t>(options.metrics_max_series)};
    const std::string dir = options.data_dir + "/metrics";
    KELOLA_ASSIGN_OR_RETURN(metrics_store, metrics::OpenSeriesStore(mo, dir));
    metrics_snapshots =
        std::make_unique<metrics::SeriesSnapshotter>(*metrics_store, clock, dir, options.metrics_snapshot_interval);
    metrics_snapshots->Start();
    return OkStatus();
  }
  std::unique_ptr<SinkMetrics> sink_metrics;
  std::vector<std::unique_ptr<SinkForwarder>> forwarders;  // after `logs`: stopped and destroyed first
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<FleetService> fleet;                   // before `controllers`: its reconcilers use its providers
  std::unique_ptr<SeriesStoreReader> autoscaler_reader;  // before `controllers`, like `fleet`
  std::unique_ptr<DeployService> deploys;                // before `controllers`, like `fleet`
  std::unique_ptr<ControllerManager> controllers;
  std::unique_ptr<AlertingService> alerting;
  std::unique_ptr<LogWatcher> watcher;  // after `alerting`: reports to it

  // The alert manager's loop, leader-elected on its own lease like a controller.
  Status StartAlerting(const std::string& holder) {
    std::map<std::string, Notifier*> receivers;
    for (const auto& [name, notifier] : options.alert_receivers) receivers[name] = notifier.get();
    AlertingServiceOptions ao;
    ao.election = LeaderElectionOptions{kAlertingLease, holder, options.lease_duration, options.renew_deadline,
                                        options.retry_period};
    RoutingConfig routing = options.alerting;
    routing.external_url = options.external_url;  // one base URL for run links and alert links
    alerting = std::make_unique<AlertingService>(*store, clock, routing, std::move(receivers), ao);
    KELOLA_RETURN_IF_ERROR(alerting->Start());
    // The AlertRule detectors over the lines this replica stores.
    watcher = std::make_unique<LogWatcher>(
        *logs, *store, clock, [this](AlertSignal signal) { alerting->Report(std::move(signal)); },
        LogWatcherOptions{.external_url = options.external_url});
    watcher->Start();
    return OkStatus();
  }
  std::unique_ptr<Store::Subscription> inbox_wakeup;
  std::unique_ptr<RunService> runs;
  std::atomic<bool> ready{false};
  std::atomic<bool> shutting_down{false};
  std::atomic<bool> stopped{false};
};

ServerDaemon::ServerDaemon(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
ServerDaemon::~ServerDaemon() { Stop(); }
Result<StartInfo> ServerDaemon::Start() { return impl_->Start(); }
void ServerDaemon::Stop() { impl_->Stop(); }
AlertingService* ServerDaemon::alerting() { return impl_->alerting.get(); }

}  // namespace kelola
