#include "daemon/server_config.h"

#include <set>

#include "alerting/routing.h"
#include "integrations/notifier_registry.h"
#include "integrations/registry.h"
#include "store/postgres_store.h"

namespace kelola {

const ConfigSchema& ServerConfigSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "listen",
           .type = ConfigType::kString,
           .default_value = "127.0.0.1:7480",
           .description = "address and port the API listens on."});
    s.Add({.name = "data_dir",
           .type = ConfigType::kString,
           .default_value = ".kelola",
           .description = "state directory: SQLite database, master key, first admin token."});
    s.Add({.name = "store",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "where state lives: empty = SQLite in data_dir; a postgres:// or postgresql:// URL = "
                          "PostgreSQL, shared by several server replicas (see docs/operations.md).",
           .secret = true});
    s.Add({.name = "master_key",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "base64 32-byte key sealing secrets; empty = DATA_DIR/master.key.",
           .secret = true});
    s.Add({.name = "log.format",
           .type = ConfigType::kString,
           .default_value = "text",
           .description = "log line format.",
           .allowed = {"text", "json"}});
    s.Add({.name = "log.level",
           .type = ConfigType::kString,
           .default_value = "info",
           .description = "least severe level logged.",
           .allowed = {"debug", "info", "warn", "error"}});
    s.Add({.name = "http.io_threads",
           .type = ConfigType::kInt,
           .default_value = "0",
           .description = "I/O threads of the API server; 0 = one per core.",
           .min = 0,
           .max = 256});
    s.Add({.name = "http.max_body_bytes",
           .type = ConfigType::kInt,
           .default_value = "8388608",
           .description = "largest request body accepted (413 above).",
           .min = 1024,
           .max = 1LL << 30});
    s.Add({.name = "files.max_bytes",
           .type = ConfigType::kInt,
           .default_value = "1073741824",
           .description = "largest file accepted by PUT /v1/files (what kelola copy sends), streamed to "
                          "data_dir/files (413 above).",
           .min = 0,
           .max = 1LL << 40});
    s.Add({.name = "tls.cert_file",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "PEM certificate chain; with tls.key_file the API serves HTTPS only."});
    s.Add({.name = "tls.key_file",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "PEM private key for tls.cert_file."});
    s.Add({.name = "logs.retention_age",
           .type = ConfigType::kDuration,
           .default_value = "168h",
           .description = "embedded log store: whole segments older than this are deleted, but never before every "
                          "configured sink has delivered them; 0s = keep regardless of age."});
    s.Add({.name = "logs.retention_bytes",
           .type = ConfigType::kInt,
           .default_value = "10737418240",
           .description = "embedded log store: oldest segments are deleted while it holds more, delivered to the sinks "
                          "or not (a sink counts what it lost as expired); 0 = no limit.",
           .min = 0,
           .max = 1LL << 50});
    s.Add({.name = "logs.segment_max_bytes",
           .type = ConfigType::kInt,
           .default_value = "67108864",
           .description = "embedded log store: a segment is sealed at this size (retention deletes whole segments).",
           .min = 1 << 20,
           .max = 1LL << 34});
    s.Add({.name = "logs.segment_max_age",
           .type = ConfigType::kDuration,
           .default_value = "1h",
           .description = "embedded log store: a segment is sealed after this long."});
    s.Add({.name = "logs.shared.retention",
           .type = ConfigType::kDuration,
           .default_value = "6h",
           .description = "with a PostgreSQL store: how long acknowledged log batches stay in the shared table "
                          "log_batches, from which every replica copies them into its own log store; a replica "
                          "down for longer misses the older ones (logged as a gap). Must be positive."});
    s.Add({.name = "metrics.retention",
           .type = ConfigType::kDuration,
           .default_value = "24h",
           .description = "embedded host metrics store (docs/metrics.md): how long points are kept; each series is a "
                          "ring of retention/resolution float32 slots."});
    s.Add({.name = "metrics.resolution",
           .type = ConfigType::kDuration,
           .default_value = "10s",
           .description = "embedded host metrics store: one point per series per this long (times are floored to "
                          "it; a later sample in the same slot replaces the earlier one)."});
    s.Add({.name = "metrics.max_series",
           .type = ConfigType::kInt,
           .default_value = "10000",
           .description = "embedded host metrics store: series (host x metric) at most; memory is bounded by "
                          "max_series x (retention/resolution x 4 + 768) bytes (353 MB with the defaults).",
           .min = 1,
           .max = 10'000'000});
    s.Add({.name = "metrics.snapshot_interval",
           .type = ConfigType::kDuration,
           .default_value = "5m",
           .description = "embedded host metrics store: how often it is written to DATA_DIR/metrics/series.snap "
                          "(also at shutdown) to survive restarts."});
    s.Add({.name = "autoscaler.interval",
           .type = ConfigType::kDuration,
           .default_value = "15s",
           .description = "the autoscaler (docs/autoscaling.md) evaluates every ScalingPolicy's group this often "
                          "(the HPA's 15 s); at least 1s."});
    s.Add({.name = "autoscaler.metric_window",
           .type = ConfigType::kDuration,
           .default_value = "1m",
           .description = "the autoscaler uses each host's newest sample of a metric within this long; a host "
                          "without one is missing."});
    s.Add({.name = "autoscaler.dry_run",
           .type = ConfigType::kBool,
           .default_value = "false",
           .description = "record and explain every autoscaling decision but never change a group's count (as "
                          "spec.dryRun on every policy)."});
    s.Add({.name = "leader.lease_duration",
           .type = ConfigType::kDuration,
           .default_value = "15s",
           .description = "how long a controller lease is valid without renewal; a replica that dies is "
                          "replaced after at most this long."});
    s.Add({.name = "leader.renew_deadline",
           .type = ConfigType::kDuration,
           .default_value = "10s",
           .description = "a leader that cannot renew within this long stops its controllers (must be below "
                          "leader.lease_duration)."});
    s.Add({.name = "leader.retry_period",
           .type = ConfigType::kDuration,
           .default_value = "2s",
           .description = "how often leases are renewed or campaigned for."});
    s.Add({.name = "logs.sinks",
           .type = ConfigType::kObjectList,
           .default_value = "",
           .description = "where stored log records are forwarded to, besides the embedded store: a list of "
                          "mappings with name, type and the type's keys (see Log sinks below); config file only."});
    s.Add({.name = "external_url",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "the URL people reach this server at (behind a proxy: the proxy's), for links such as a "
                          "commit status's run link EXTERNAL_URL/v1/runs/ID; empty = the listen address."});
    s.Add({.name = "runs.max_concurrent",
           .type = ConfigType::kInt,
           .default_value = "2",
           .description = "pipeline runs this server runs at once (more wait queued); 0 = this replica runs none "
                          "(other replicas sharing the store do).",
           .min = 0,
           .max = 256});
    s.Add({.name = "runs.stale_after",
           .type = ConfigType::kDuration,
           .default_value = "60s",
           .description = "a running run whose server has not written its heartbeat (every 10s) for this long is "
                          "marked failed, reason interrupted; 0s = only at the restart of the server that ran it."});
    s.Add({.name = "fleet.docker.socket",
           .type = ConfigType::kString,
           .default_value = "/var/run/docker.sock",
           .description = "the Docker engine's unix socket the docker fleet provider creates servers through."});
    s.Add({.name = "fleet.docker.mount_engine_socket",
           .type = ConfigType::kBool,
           .default_value = "false",
           .description = "mount that engine's socket into every docker fleet host, so Targets of kind dockerhosts can "
                          "deploy to them over SSH; anyone who logs in to such a host controls the engine: tests "
                          "and demos only (docs/deploys-dockerhosts.md)."});
    s.Add({.name = "fleet.aws.endpoint",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "EC2 endpoint URL for the aws fleet provider; empty = https://ec2.REGION.amazonaws.com "
                          "(a moto or private endpoint otherwise; TLS is always verified)."});
    s.Add({.name = "fleet.aws.profile",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "credentials profile for the aws fleet provider; empty = the environment, then "
                          "AWS_PROFILE or default in ~/.aws/credentials."});
    s.Add({.name = "fleet.aws.credentials_file",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "shared credentials file; empty = AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials."});
    s.Add({.name = "fleet.aws.region",
           .type = ConfigType::kString,
           .default_value = "",
           .description = "region of groups that name none; empty = AWS_REGION, then AWS_DEFAULT_REGION."});
    s.Add({.name = "fleet.quota.default_max_servers",
           .type = ConfigType::kInt,
           .default_value = "100",
           .description = "servers a team may ask for in all its ServerGroups (the sum of their count) when "
                          "fleet.quota.teams does not name it; a write above it is refused with 403.",
           .min = 0,
           .max = 1000000});
    s.Add({.name = "fleet.quota.teams",
           .type = ConfigType::kStringList,
           .default_value = "",
           .description = "per-team server quotas as TEAM=MAX items, e.g. web=20,data=50 (see docs/fleet.md)."});
    AddAlertingConfigKeys(s);
    return s;
  }();
  return schema;
}

Result<ServerOptions> ServerOptionsFromConfig(const Config& config) {
  ServerOptions o;
  o.listen = config.GetString("listen");
  o.data_dir = config.GetString("data_dir");
  o.master_key_base64 = config.GetString("master_key");
  o.store = config.GetString("store");
  if (!o.store.empty() && !IsPostgresUrl(o.store)) {
    // The value may hold a password: say what is wrong, not what it is.
    return InvalidArgumentError("store must be empty (SQLite in data_dir) or a postgres:// or postgresql:// URL (" +
                                config.SourceOf("store") + ")");
  }
  o.log_retention_age = config.GetDuration("logs.retention_age");
  o.log_retention_bytes = static_cast<uint64_t>(config.GetInt("logs.retention_bytes"));
  o.log_segment_max_bytes = static_cast<uint64_t>(config.GetInt("logs.segment_max_bytes"));
  o.log_segment_max_age = config.GetDuration("logs.segment_max_age");
  if (o.log_segment_max_age <= Duration::zero()) {
    return InvalidArgumentError("logs.segment_max_age must be positive (" + config.SourceOf("logs.segment_max_age") +
                                ")");
  }
  o.log_shared_retention = config.GetDuration("logs.shared.retention");
  if (o.log_shared_retention <= Duration::zero()) {
    return InvalidArgumentError("logs.shared.retention must be positive (" + config.SourceOf("logs.shared.retention") +
                                ")");
  }
  o.metrics_retention = config.GetDuration("metrics.retention");
  o.metrics_resolution = config.GetDuration("metrics.resolution");
  if (o.metrics_resolution < std::chrono::seconds(1) || o.metrics_retention < o.metrics_resolution) {
    return InvalidArgumentError("metrics.resolution must be >= 1s and metrics.retention >= metrics.resolution (" +
                                config.SourceOf("metrics.resolution") + ")");
  }
  if (o.metrics_retention / o.metrics_resolution > 10'000'000) {
    return InvalidArgumentError("metrics.retention / metrics.resolution must be at most 10,000,000 slots (" +
                                config.SourceOf("metrics.retention") + ")");
  }
  o.metrics_max_series = config.GetInt("metrics.max_series");
  o.metrics_snapshot_interval = config.GetDuration("metrics.snapshot_interval");
  if (o.metrics_snapshot_interval < std::chrono::seconds(1)) {
    return InvalidArgumentError("metrics.snapshot_interval must be >= 1s (" +
                                config.SourceOf("metrics.snapshot_interval") + ")");
  }
  o.autoscaler_interval = config.GetDuration("autoscaler.interval");
  if (o.autoscaler_interval < std::chrono::seconds(1)) {
    return InvalidArgumentError("autoscaler.interval must be >= 1s (" + config.SourceOf("autoscaler.interval") + ")");
  }
  o.autoscaler_metric_window = config.GetDuration("autoscaler.metric_window");
  if (o.autoscaler_metric_window < std::chrono::seconds(1)) {
    return InvalidArgumentError("autoscaler.metric_window must be >= 1s (" +
                                config.SourceOf("autoscaler.metric_window") + ")");
  }
  o.autoscaler_dry_run = config.GetBool("autoscaler.dry_run");
  o.lease_duration = config.GetDuration("leader.lease_duration");
  o.renew_deadline = config.GetDuration("leader.renew_deadline");
  o.retry_period = config.GetDuration("leader.retry_period");
  if (o.retry_period <= Duration::zero() || o.renew_deadline <= o.retry_period ||
      o.lease_duration <= o.renew_deadline) {
    return InvalidArgumentError("leader timings must satisfy 0 < retry_period < renew_deadline < lease_duration (" +
                                config.SourceOf("leader.renew_deadline") + ")");
  }
  o.io_threads = static_cast<int>(config.GetInt("http.io_threads"));
  o.max_body_bytes = config.GetInt("http.max_body_bytes");
  o.max_file_bytes = config.GetInt("files.max_bytes");
  o.tls_cert_file = config.GetString("tls.cert_file");
  o.tls_key_file = config.GetString("tls.key_file");
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return InvalidArgumentError("tls.cert_file and tls.key_file must be set together (" +
                                config.SourceOf(o.tls_cert_file.empty() ? "tls.key_file" : "tls.cert_file") + ")");
  }
  std::string host;
  uint16_t port = 0;
  KELOLA_RETURN_IF_ERROR(ParseListenAddress(o.listen, host, port).WithContext(config.SourceOf("listen")));
  o.external_url = config.GetString("external_url");
  if (!o.external_url.empty() && o.external_url.rfind("http://", 0) != 0 && o.external_url.rfind("https://", 0) != 0) {
    return InvalidArgumentError("external_url must start with http:// or https:// (" + config.SourceOf("external_url") +
                                ")");
  }
  o.runs_max_concurrent = static_cast<int>(config.GetInt("runs.max_concurrent"));
  o.runs_stale_after = config.GetDuration("runs.stale_after");
  o.fleet.docker_socket = config.GetString("fleet.docker.socket");
  o.fleet.docker_mount_engine_socket = config.GetBool("fleet.docker.mount_engine_socket");
  o.fleet.aws_endpoint = config.GetString("fleet.aws.endpoint");
  o.fleet.aws_profile = config.GetString("fleet.aws.profile");
  o.fleet.aws_credentials_file = config.GetString("fleet.aws.credentials_file");
  o.fleet.aws_region = config.GetString("fleet.aws.region");
  if (!o.fleet.aws_endpoint.empty() && o.fleet.aws_endpoint.rfind("http://", 0) != 0 &&
      o.fleet.aws_endpoint.rfind("https://", 0) != 0) {
    return InvalidArgumentError("fleet.aws.endpoint must start with http:// or https:// (" +
                                config.SourceOf("fleet.aws.endpoint") + ")");
  }
  o.fleet_quota.default_max_servers = config.GetInt("fleet.quota.default_max_servers");
  KELOLA_ASSIGN_OR_RETURN(o.fleet_quota.team_max_servers,
                          ParseTeamQuotas(config.GetList("fleet.quota.teams"), config.SourceOf("fleet.quota.teams")));
  o.log_sinks = config.GetObjects("logs.sinks");
  // Fail at start, not at the first delivery: build each sink once.
  KELOLA_ASSIGN_OR_RETURN(auto specs, ParseSinkSpecs(o.log_sinks));
  for (const auto& spec : specs) KELOLA_RETURN_IF_ERROR(MakeSink(spec).status());
  KELOLA_ASSIGN_OR_RETURN(o.alerting, RoutingConfigFromConfig(config));
  // Receivers are built at start too, so a bad one stops the server with its position.
  KELOLA_ASSIGN_OR_RETURN(auto receiver_configs, ParseReceiverConfigs(config.GetObjects("alerting.receivers")));
  for (const auto& rc : receiver_configs) {
    KELOLA_ASSIGN_OR_RETURN(std::unique_ptr<Notifier> notifier, MakeNotifier(rc));
    o.alert_receivers[rc.name] = std::move(notifier);
  }
  std::set<std::string> receivers;
  for (const auto& [name, notifier] : o.alert_receivers) receivers.insert(name);
  KELOLA_RETURN_IF_ERROR(CheckRouteReceivers(o.alerting, receivers));
  return o;
}

}  // namespace kelola
