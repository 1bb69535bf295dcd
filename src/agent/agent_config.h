// The configuration keys of `kelola agent`, declared once: they validate the
// YAML file (unknown key = error with file:line:col), KELOLA_* variables and
// flags, and generate docs/agent-config.md (AgentConfigSchema().Describe()).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/disk_buffer.h"
#include "agent/host_metrics.h"
#include "agent/syslog_input.h"
#include "base/config.h"
#include "base/config_schema.h"
#include "logs/file_tailer.h"
#include "logs/record_processor.h"

namespace kelola {

struct AgentDiskBufferOptions {
  bool enabled = false;  // the queue lives in data_dir/buffer
  uint64_t max_bytes = 1ULL << 30;
  uint64_t segment_max_bytes = 16ULL << 20;
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  Duration fsync_interval = std::chrono::seconds(1);
};

struct AgentOptions {
  std::string name;                  // sent in every batch; default: the host name
  std::string server;                // as configured: "http://127.0.0.1:7480" or "URL,URL,..."
  std::vector<std::string> servers;  // the URLs of `server`, in order, without trailing "/"
  std::string token;                 // bearer token (operator role)
  std::string data_dir;              // checkpoints live here
  std::string metrics_listen;        // "" = no /metrics endpoint
  // Batch labels: host (the host name unless set), service (when set), and
  // the `labels` key's.
  std::map<std::string, std::string> labels;
  FileTailerOptions file;  // file.include empty = no file input
  RecordProcessorOptions file_processing;
  SyslogInputOptions syslog;  // no addresses = no syslog input
  RecordProcessorOptions syslog_processing;
  bool stdin_enabled = false;
  int stdin_fd = 0;  // tests substitute a pipe
  RecordProcessorOptions stdin_processing;
  Duration poll_interval = std::chrono::milliseconds(250);
  size_t batch_max_records = 5000;
  size_t batch_max_bytes = 1 << 20;
  Duration batch_max_wait = std::chrono::seconds(1);
  size_t buffer_max_bytes = 4 << 20;  // memory of queued records and in-flight frames
  AgentDiskBufferOptions disk_buffer;
  Duration retry_initial = std::chrono::milliseconds(200);
  Duration retry_max = std::chrono::seconds(30);
  Duration request_timeout = std::chrono::seconds(30);
  int compression_level = 3;
  // Send from a thread of its own (BackgroundSender), so the next batch is
  // read and encoded while the server stores one. `kelola agent` sets it;
  // tests that drive Step() leave it off for a synchronous Send.
  bool send_in_background = false;
  bool verify_tls = true;
  std::string ca_file;
  HostMetricsOptions host_metrics;  // the metrics.* keys
};

const ConfigSchema& AgentConfigSchema();
// InvalidArgument names the key when a value is unusable.
Result<AgentOptions> AgentOptionsFromConfig(const Config& config);

}  // namespace kelola
