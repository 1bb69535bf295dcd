#include "agent/agent_config.h"

#include <unistd.h>

#include "agent/input_processing_config.h"

namespace kelola {
namespace {

std::string HostName() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "kelola-agent";
  return host;
}

}  // namespace

const ConfigSchema& AgentConfigSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    using T = ConfigType;
    s.Add({.name = "name",
           .type = T::kString,
           .default_value = "",
           .description = "agent name sent with every batch (label agent); empty = the host name."});
    s.Add({.name = "server",
           .type = T::kString,
           .default_value = "http://127.0.0.1:7480",
           .description = "URL of kelola server, or the URLs of several replicas separated by commas (the "
                          "agent ships to one and moves to the next when it fails); logs go to "
                          "SERVER/v1/logs/ingest."});
    s.Add({.name = "token",
           .type = T::kString,
           .default_value = "",
           .description = "API token (operator role) sent as a bearer token.",
           .secret = true});
    s.Add({.name = "data_dir",
           .type = T::kString,
           .default_value = ".kelola-agent",
           .description = "directory of the agent's checkpoints."});
    s.Add({.name = "metrics_listen",
           .type = T::kString,
           .default_value = "127.0.0.1:9595",
           .description = "host:port of the agent's /metrics; empty = off."});
    s.Add({.name = "labels",
           .type = T::kStringList,
           .default_value = "",
           .description = "name=value labels added to every record, e.g. service=api,env=prod."});
    s.Add({.name = "service",
           .type = T::kString,
           .default_value = "",
           .description = "label service on every record; empty = none (labels may set it too)."});
    s.Add({.name = "poll_interval",
           .type = T::kDuration,
           .default_value = "250ms",
           .description = "how often files are checked for new data when idle."});
    s.Add({.name = "file.include",
           .type = T::kStringList,
           .default_value = "",
           .description = "glob patterns of the files to tail, e.g. /var/log/app/*.log."});
    s.Add({.name = "file.exclude",
           .type = T::kStringList,
           .default_value = "",
           .description = "patterns (fnmatch, full path) of files to skip, e.g. *.gz."});
    s.Add({.name = "file.read_from",
           .type = T::kString,
           .default_value = "tail",
           .description = "where files found at the first start without a checkpoint begin; files created "
                          "later are always read from their head.",
           .allowed = {"head", "tail"}});
    s.Add({.name = "file.max_line_bytes",
           .type = T::kInt,
           .default_value = "262144",
           .description = "longer lines are split into pieces of this size, flagged split.",
           .min = 64,
           .max = 64 << 20});
    s.Add({.name = "file.fingerprint_bytes",
           .type = T::kInt,
           .default_value = "256",
           .description = "leading bytes hashed into a file's identity (detects inode reuse).",
           .min = 16,
           .max = 65536});
    s.Add({.name = "file.multiline_start",
           .type = T::kString,
           .default_value = "",
           .description = "RE2 pattern of a line that starts an event; other lines join the event before."});
    s.Add({.name = "file.multiline_idle",
           .type = T::kDuration,
           .default_value = "1s",
           .description = "a held multiline event is shipped after this long without a new line."});
    s.Add({.name = "file.rotated_grace",
           .type = T::kDuration,
           .default_value = "5s",
           .description = "a file gone from the globs is read this long after its last data, then closed."});
    AddInputProcessingKeys(s, "file", "none");
    s.Add({.name = "syslog.udp_listen",
           .type = T::kStringList,
           .default_value = "",
           .description = "host:port addresses to receive syslog datagrams on (RFC 5424 or 3164, one per "
                          "datagram), e.g. 127.0.0.1:5514. UDP has no backpressure: when the agent falls behind, the "
                          "kernel drops datagrams; they are counted in kelola_agent_syslog_udp_dropped_total."});
    s.Add({.name = "syslog.tcp_listen",
           .type = T::kStringList,
           .default_value = "",
           .description = "host:port addresses to accept syslog TCP connections on (RFC 6587: octet counting or "
                          "newline framing). When the memory queue is full, connections are not read (backpressure)."});
    s.Add({.name = "syslog.max_message_bytes",
           .type = T::kInt,
           .default_value = "65536",
           .description = "longer syslog messages are split into pieces of this size, flagged split.",
           .min = 480,
           .max = 64 << 20});
    s.Add({.name = "syslog.max_connections",
           .type = T::kInt,
           .default_value = "256",
           .description = "TCP connections at once; more are closed at once and counted.",
           .min = 1,
           .max = 65536});
    AddInputProcessingKeys(s, "syslog", "syslog");
    s.Add({.name = "stdin.enabled",
           .type = T::kBool,
           .default_value = "false",
           .description = "read records from standard input, one per line; at its end the agent ships what it read "
                          "and exits when stdin is its only input."});
    AddInputProcessingKeys(s, "stdin", "none");
    s.Add({.name = "batch.max_records",
           .type = T::kInt,
           .default_value = "5000",
           .description = "records per batch at most.",
           .min = 1,
           .max = 1000000});
    s.Add({.name = "batch.max_bytes",
           .type = T::kInt,
           .default_value = "1048576",
           .description = "uncompressed text bytes per batch at most (keep below the server's "
                          "http.max_body_bytes).",
           .min = 1024,
           .max = 64 << 20});
    s.Add({.name = "batch.max_wait",
           .type = T::kDuration,
           .default_value = "1s",
           .description = "a partial batch is sent after waiting this long."});
    s.Add({.name = "buffer.max_bytes",
           .type = T::kInt,
           .default_value = "4194304",
           .description = "memory bound of the queue (records as held in memory, and frames in flight); when "
                          "full, reading pauses (nothing is dropped).",
           .min = 4096,
           .max = 1LL << 34});
    s.Add({.name = "buffer.disk.enabled",
           .type = T::kBool,
           .default_value = "false",
           .description = "keep outgoing batches in an on-disk queue under data_dir/buffer, so records "
                          "that cannot be re-read survive server outages and agent restarts "
                          "(docs/formats/agent-disk-buffer.md)."});
    s.Add({.name = "buffer.disk.max_bytes",
           .type = T::kInt,
           .default_value = "1073741824",
           .description = "disk queue bound; when full, inputs pause (nothing is dropped).",
           .min = 1 << 20,
           .max = 1LL << 40});
    s.Add({.name = "buffer.disk.segment_max_bytes",
           .type = T::kInt,
           .default_value = "16777216",
           .description = "size at which the disk queue starts a new segment file.",
           .min = 64 << 10,
           .max = 1LL << 30});
    s.Add({.name = "buffer.disk.fsync",
           .type = T::kString,
           .default_value = "interval",
           .description = "always (fsync every batch), interval (fsync every buffer.disk.fsync_interval; "
                          "inputs advance only past synced data), or never.",
           .allowed = {"always", "interval", "never"}});
    s.Add({.name = "buffer.disk.fsync_interval",
           .type = T::kDuration,
           .default_value = "1s",
           .description = "how often the disk queue is synced with fsync=interval."});
    s.Add({.name = "retry.initial_backoff",
           .type = T::kDuration,
           .default_value = "200ms",
           .description = "first delay before re-sending a batch the server did not acknowledge."});
    s.Add({.name = "retry.max_backoff",
           .type = T::kDuration,
           .default_value = "30s",
           .description = "longest delay between re-sends (exponential backoff with jitter)."});
    s.Add({.name = "request_timeout",
           .type = T::kDuration,
           .default_value = "30s",
           .description = "time allowed for one batch request."});
    s.Add({.name = "compression_level",
           .type = T::kInt,
           .default_value = "3",
           .description = "zstd level of batches; 0 = uncompressed.",
           .min = 0,
           .max = 19});
    s.Add({.name = "tls.verify",
           .type = T::kBool,
           .default_value = "true",
           .description = "verify the server's TLS certificate."});
    s.Add({.name = "tls.ca_file",
           .type = T::kString,
           .default_value = "",
           .description = "extra CA bundle for the server's certificate."});
    s.Add({.name = "metrics.enabled",
           .type = T::kBool,
           .default_value = "true",
           .description = "sample host metrics (CPU, load, memory, network, disk; docs/metrics.md), serve them as "
                          "kelola_host_* on /metrics and send them to SERVER/v1/metrics/samples; an agent with "
                          "this on needs no log input."});
    s.Add({.name = "metrics.interval",
           .type = T::kDuration,
           .default_value = "10s",
           .description = "how often host metrics are sampled."});
    s.Add({.name = "metrics.disk_mounts",
           .type = T::kStringList,
           .default_value = "/",
           .description = "mount points whose used share is measured (statvfs); the series disk_used_percent is "
                          "the fullest of them."});
    s.Add({.name = "metrics.group",
           .type = T::kString,
           .default_value = "",
           .description = "group label sent with the samples; empty = the server uses the Host's kelola.io/group "
                          "label, else none."});
    s.Add({.name = "metrics.buffer_max_samples",
           .type = T::kInt,
           .default_value = "360",
           .description = "samples kept while the server cannot be reached (360 = one hour at 10s); when full, the "
                          "oldest are dropped (counted in kelola_agent_metrics_samples_total{outcome=\"dropped\"}).",
           .min = 1,
           .max = 1000000});
    return s;
  }();
  return schema;
}

Result<AgentOptions> AgentOptionsFromConfig(const Config& c) {
  AgentOptions o;
  o.name = c.GetString("name");
  if (o.name.empty()) o.name = HostName();
  o.server = c.GetString("server");
  for (size_t start = 0; start <= o.server.size();) {
    size_t comma = o.server.find(',', start);
    if (comma == std::string::npos) comma = o.server.size();
    std::string url = o.server.substr(start, comma - start);
    while (!url.empty() && url.front() == ' ') url.erase(url.begin());
    while (!url.empty() && (url.back() == '/' || url.back() == ' ')) url.pop_back();
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return InvalidArgumentError("server: expected an http:// or https:// URL (several separated by commas), got \"" +
                                  url + "\" (" + c.SourceOf("server") + ")");
    }
    o.servers.push_back(std::move(url));
    start = comma + 1;
  }
  if (o.servers.size() == 1) o.server = o.servers[0];
  o.token = c.GetString("token");
  o.data_dir = c.GetString("data_dir");
  if (o.data_dir.empty()) return InvalidArgumentError("data_dir: must not be empty");
  o.metrics_listen = c.GetString("metrics_listen");
  KELOLA_ASSIGN_OR_RETURN(o.labels, ParseNameValueList(c.GetList("labels"), "labels"));
  if (std::string service = c.GetString("service"); !service.empty()) o.labels.emplace("service", service);
  o.labels.emplace("host", HostName());
  o.poll_interval = c.GetDuration("poll_interval");
  o.file.include = c.GetList("file.include");
  o.syslog.udp_listen = c.GetList("syslog.udp_listen");
  o.syslog.tcp_listen = c.GetList("syslog.tcp_listen");
  o.syslog.max_message_bytes = static_cast<size_t>(c.GetInt("syslog.max_message_bytes"));
  o.syslog.max_connections = static_cast<size_t>(c.GetInt("syslog.max_connections"));
  o.stdin_enabled = c.GetBool("stdin.enabled");
  // Host metrics alone are a use of the agent too (no log input then).
  if (o.file.include.empty() && o.syslog.udp_listen.empty() && o.syslog.tcp_listen.empty() && !o.stdin_enabled &&
      !c.GetBool("metrics.enabled")) {
    return InvalidArgumentError(
        "no input: list files to tail in file.include, or set syslog.udp_listen, syslog.tcp_listen or "
        "stdin.enabled, or leave metrics.enabled on");
  }
  for (const char* key : {"syslog.udp_listen", "syslog.tcp_listen"}) {
    for (const auto& address : c.GetList(key)) {
      std::string host;
      uint16_t port = 0;
      KELOLA_RETURN_IF_ERROR(SplitListenAddress(address, key, host, port));
    }
  }
  KELOLA_ASSIGN_OR_RETURN(o.file_processing, InputProcessingFromConfig(c, "file"));
  KELOLA_ASSIGN_OR_RETURN(o.syslog_processing, InputProcessingFromConfig(c, "syslog"));
  KELOLA_ASSIGN_OR_RETURN(o.stdin_processing, InputProcessingFromConfig(c, "stdin"));
  o.file.exclude = c.GetList("file.exclude");
  o.file.read_from_head = c.GetString("file.read_from") == "head";
  o.file.max_line_bytes = static_cast<size_t>(c.GetInt("file.max_line_bytes"));
  o.file.fingerprint_bytes = static_cast<size_t>(c.GetInt("file.fingerprint_bytes"));
  o.file.multiline_start = c.GetString("file.multiline_start");
  o.file.multiline_idle = c.GetDuration("file.multiline_idle");
  o.file.rotated_grace = c.GetDuration("file.rotated_grace");
  o.batch_max_records = static_cast<size_t>(c.GetInt("batch.max_records"));
  o.batch_max_bytes = static_cast<size_t>(c.GetInt("batch.max_bytes"));
  o.batch_max_wait = c.GetDuration("batch.max_wait");
  o.buffer_max_bytes = static_cast<size_t>(c.GetInt("buffer.max_bytes"));
  o.disk_buffer.enabled = c.GetBool("buffer.disk.enabled");
  o.disk_buffer.max_bytes = static_cast<uint64_t>(c.GetInt("buffer.disk.max_bytes"));
  o.disk_buffer.segment_max_bytes = static_cast<uint64_t>(c.GetInt("buffer.disk.segment_max_bytes"));
  KELOLA_ASSIGN_OR_RETURN(o.disk_buffer.fsync, ParseFsyncPolicy(c.GetString("buffer.disk.fsync")));
  o.disk_buffer.fsync_interval = c.GetDuration("buffer.disk.fsync_interval");
  o.retry_initial = c.GetDuration("retry.initial_backoff");
  o.retry_max = c.GetDuration("retry.max_backoff");
  if (o.retry_initial <= Duration::zero() || o.retry_max < o.retry_initial) {
    return InvalidArgumentError("retry.initial_backoff must be > 0 and <= retry.max_backoff");
  }
  o.request_timeout = c.GetDuration("request_timeout");
  o.compression_level = static_cast<int>(c.GetInt("compression_level"));
  o.verify_tls = c.GetBool("tls.verify");
  o.ca_file = c.GetString("tls.ca_file");
  o.host_metrics.enabled = c.GetBool("metrics.enabled");
  o.host_metrics.interval = c.GetDuration("metrics.interval");
  if (o.host_metrics.interval < std::chrono::milliseconds(100)) {
    return InvalidArgumentError("metrics.interval: must be at least 100ms");
  }
  o.host_metrics.disk_mounts = c.GetList("metrics.disk_mounts");
  o.host_metrics.group = c.GetString("metrics.group");
  if (!o.host_metrics.group.empty() &&
      (o.host_metrics.group.size() > 63 || !metrics::IsValidHostName(o.host_metrics.group))) {
    return InvalidArgumentError("metrics.group: expected 1-63 characters of A-Z a-z 0-9 . _ -, got \"" +
                                o.host_metrics.group + "\"");
  }
  if (o.host_metrics.enabled && !metrics::IsValidHostName(o.name)) {
    return InvalidArgumentError("name: host metrics need a name of A-Z a-z 0-9 . _ - (1-253 characters), got \"" +
                                o.name + "\" (or set metrics.enabled: false)");
  }
  o.host_metrics.buffer_max_samples = static_cast<size_t>(c.GetInt("metrics.buffer_max_samples"));
  return o;
}

}  // namespace kelola
