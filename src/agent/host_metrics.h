// Host metrics of `kelola agent` (docs/metrics.md): HostMetricsSampler reads
// /proc and statvfs into named values; HostMetricsReporter samples every
// `metrics.interval` on a thread of its own, sets the kelola_host_* gauges
// of the agent's /metrics, and ships the samples in batches to
// SERVER/v1/metrics/samples with the agent's name as host.
//
// Delivery: batches of up to 100 samples, oldest first, with jittered
// exponential backoff while the server is unreachable (failing over between
// replicas like the log sender). Unlike logs, metrics may be lost: the
// buffer holds at most `metrics.buffer_max_samples` samples (default 360 =
// one hour at 10 s); when it is full the oldest sample is dropped and
// counted in kelola_agent_metrics_samples_total{outcome="dropped"}. A batch
// the server rejects as malformed (400) is dropped too (outcome="rejected").
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "metrics/metric_samples.h"
#include "metrics/proc_parsers.h"
#include "net/http_client.h"

namespace kelola {

struct HostMetricsOptions {
  bool enabled = true;
  Duration interval = std::chrono::seconds(10);
  std::vector<std::string> disk_mounts = {"/"};
  std::string group;  // sent with the samples; "" = the server decides
  size_t buffer_max_samples = 360;
  std::string proc_root = "/proc";  // tests point it at captured files
};

// Values of one reading: cpu_busy_percent, network_*_bytes_per_second (from
// the second reading on: they are rates), load1/5/15, memory_used_percent,
// disk_used_percent (the fullest of the mounts; per mount in disk_by_mount).
// A file that cannot be read or parsed leaves its values out and is
// reported in `errors` (the other values are still taken).
struct HostReading {
  std::vector<std::pair<std::string, double>> values;
  std::map<std::string, double> disk_by_mount;
  std::vector<std::string> errors;
};

class HostMetricsSampler {
 public:
  HostMetricsSampler(std::string proc_root, std::vector<std::string> disk_mounts);
  HostReading Sample(MonoTime now);

 private:
  std::string proc_root_;
  std::vector<std::string> mounts_;
  std::optional<std::pair<MonoTime, metrics::CpuTimes>> last_cpu_;
  std::optional<std::pair<MonoTime, std::map<std::string, metrics::NetBytes>>> last_net_;
};

struct HostMetricsReporterOptions {
  HostMetricsOptions metrics;
  std::string host;                  // the agent's name
  std::vector<std::string> servers;  // "" entries not allowed; none = only /metrics
  std::string token;
  std::chrono::milliseconds timeout{10'000};
  bool verify_tls = true;
  std::string ca_file;
  Duration retry_initial = std::chrono::milliseconds(200);
  Duration retry_max = std::chrono::seconds(30);
};

class HostMetricsReporter {
 public:
  // `registry` and `clock` must outlive the reporter.
  HostMetricsReporter(HostMetricsReporterOptions options, MetricsRegistry& registry, Clock& clock);
  ~HostMetricsReporter();  // calls Stop()
  // Takes the first reading at once (gauges set), then runs the loop, and
  // every send, on its own thread.
  void Start();
  void Stop();

  // One loop step, for tests: sample when due, send when due.
  void StepForTest(MonoTime now) { Step(now); }
  size_t buffered() const;

 private:
  void Step(MonoTime now);
  void TakeSample();
  void SendSome(MonoTime now);
  Status SendBatch(const std::string& body);

  HostMetricsReporterOptions options_;
  MetricsRegistry& registry_;
  Clock& clock_;
  HostMetricsSampler sampler_;
  HttpClient http_;
  CounterFamily& samples_;
  GaugeFamily& buffered_gauge_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<metrics::HostSample> buffer_;
  MonoTime next_sample_{};
  MonoTime next_send_{};
  int failures_ = 0;
  size_t current_server_ = 0;
  std::thread thread_;
};

}  // namespace kelola
