// ServerDaemon: `kelola server` assembled: the store, the master key, the
// first admin token, the HTTP server with the REST API, the metrics and the
// controller runtime. Start() returns once the port is serving; Stop() drains
// in-flight requests, stops the controllers and closes the store.
//
// On first start with an empty data directory an admin token is created,
// written to DATA_DIR/admin.token (mode 0600) and returned once in
// StartInfo so the caller can print it.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alerting/alert.h"
#include "alerting/routing.h"
#include "api/fleet_quota.h"
#include "base/config_schema.h"

#include "base/clock.h"

#include "base/logging.h"
#include "base/status.h"
#include "daemon/fleet_service.h"

namespace kelola {

struct ServerOptions {
  std::string listen = "127.0.0.1:7480";
  std::string data_dir = ".kelola";
  int io_threads = 0;  // 0 = one per core
  int64_t max_body_bytes = 8 * 1024 * 1024;
  int64_t max_file_bytes = 1ll << 30;  // PUT /v1/files (copies)
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string master_key_base64;  // KELOLA_MASTER_KEY; "" = DATA_DIR/master.key
  // "" = SQLite in data_dir; "postgres://..." or "postgresql://..." =
  // PostgreSQL, shared by several replicas (then every replica needs the
  // same master key).
  std::string store;
  // The embedded log store (docs/formats/log-store.md).
  Duration log_retention_age = std::chrono::hours(24 * 7);
  uint64_t log_retention_bytes = 10ULL << 30;
  uint64_t log_segment_max_bytes = 64ULL << 20;
  Duration log_segment_max_age = std::chrono::hours(1);
  // PostgreSQL mode: how long batches stay in the shared log_batches table.
  Duration log_shared_retention = std::chrono::hours(6);
  // Embedded host metrics store (src/metrics; the metrics.* keys).
  Duration metrics_retention = std::chrono::hours(24);
  Duration metrics_resolution = std::chrono::seconds(10);
  int64_t metrics_max_series = 10'000;
  Duration metrics_snapshot_interval = std::chrono::minutes(5);
  // The autoscaler (src/autoscale; the autoscaler.* keys).
  Duration autoscaler_interval = std::chrono::seconds(15);
  Duration autoscaler_metric_window = std::chrono::minutes(1);
  bool autoscaler_dry_run = false;
  // Controller leases (docs/operations.md).
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
  // Items of `logs.sinks` (src/integrations/registry.h), each forwarded to by
  // a SinkForwarder with its state under DATA_DIR/log-sinks/NAME.
  std::vector<ConfigObject> log_sinks;
  // alerting.* (src/alerting/routing.h): routes, grouping, inhibition.
  RoutingConfig alerting;
  // The receivers those routes name, by name (the notifiers of
  // src/integrations, built from the receivers' config).
  std::map<std::string, std::shared_ptr<Notifier>> alert_receivers;
  // Pipeline runs (src/runworker): links in commit statuses, concurrency,
  // when another replica's run counts as interrupted (0 = never).
  std::string external_url;  // "" = the listen URL
  int runs_max_concurrent = 2;
  Duration runs_stale_after = std::chrono::seconds(60);
  FleetServiceOptions fleet;  // providers' settings (fleet.*); data_dir is filled in by the daemon
  // fleet.quota.* (src/api/fleet_quota.h): servers per team.
  FleetQuota fleet_quota;
};

struct StartInfo {
  std::string url;              // "http://127.0.0.1:7480"
  std::string new_admin_token;  // non-empty only on the first start
};

class AlertingService;

class ServerDaemon {
 public:
  explicit ServerDaemon(ServerOptions options);
  ~ServerDaemon();
  Result<StartInfo> Start();
  void Stop();
  // The alert manager's loop, for detectors to Report() to; null before Start().
  AlertingService* alerting();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses "host:port"; InvalidArgument names the flag/key.
Status ParseListenAddress(const std::string& text, std::string& host, uint16_t& port);

}  // namespace kelola
