// LokiSink: forwards stored log records to Grafana Loki's push API
// (POST /loki/api/v1/push), as snappy-compressed protobuf (what Promtail
// sends) or JSON. Implements LogSink (logs/log_sink.h); the forwarder
// thread owns retries and the cursor.
//
// Mapping (docs/formats/loki-push.md): each record becomes one entry of the
// stream named by its Loki labels = `static_labels` plus, for each name in
// `labels`, the record's value of that name ("agent", "file", "stream" are
// the record's own fields; any other name is a batch label such as host or
// service; names are sanitised to Loki's [a-zA-Z_][a-zA-Z0-9_]*; a record
// with none of them gets {job="kelola"}). Names in `structured_metadata`
// go to the entry's structured metadata; the text is the line, unchanged.
//
// Idempotent retries: an entry's timestamp is the record's time in ms plus
// (offset mod 10^6) ns, deterministic per record, so a re-sent batch carries
// identical (stream, timestamp, line) triples, which Loki deduplicates, and
// lines of one file in the same millisecond neither collide nor reorder.
// Entries are sorted by timestamp within each stream.
//
// Answers: 2xx -> all sent. 429, 5xx, network errors -> Unavailable /
// DeadlineExceeded (the forwarder re-offers the whole batch). 400 (Loki
// refused some entry: too old, out of order, bad labels...) and 413 (too
// large) -> the records are split in halves and each half sent again, so
// exactly the refused records end up dead-lettered with Loki's message and
// the rest are stored; at most kMaxSplitRequests extra requests per
// Deliver(), after which a still-refused part is dead-lettered whole. 401/403 ->
// PermissionDenied, other 4xx -> FailedPrecondition (misconfigured; nothing
// dead-lettered). Credentials are sent only in headers and never appear in
// errors or logs. TLS is verified (add a CA with `ca_file`).
// Thread-safety: Deliver() from one thread at a time (the LogSink contract).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/config_schema.h"
#include "integrations/loki/loki_push.h"
#include "logs/log_sink.h"

namespace kelola {

class HttpClient;

struct LokiSinkOptions {
  std::string url;                    // the push URL: https://loki:3100/loki/api/v1/push
  std::string encoding = "protobuf";  // "protobuf" (snappy) or "json"
  std::string tenant;                 // X-Scope-OrgID; "" sends none
  std::string username;               // basic auth with `password`
  std::string password;
  std::string bearer_token;  // Authorization: Bearer; exclusive with basic auth
  std::string ca_file;       // extra CA bundle for TLS; "" = system CAs
  std::chrono::milliseconds timeout{30'000};
  std::vector<std::string> labels = {"agent", "host", "service"};
  std::map<std::string, std::string> static_labels;
  std::vector<std::string> structured_metadata;
};

// The sink's config keys, relative to its section (e.g. "url" under
// "logs.sinks.loki"): type, default and description, for the registry and
// the generated docs.
const std::vector<ConfigKey>& LokiSinkConfigKeys();
// Adds LokiSinkConfigKeys() to `schema` under `prefix` ("logs.sinks.loki").
void AddLokiSinkConfigKeys(ConfigSchema& schema, const std::string& prefix);
// Reads the keys added under `prefix`; InvalidArgument naming the key.
Result<LokiSinkOptions> LokiSinkOptionsFromConfig(const Config& config, const std::string& prefix);
// For the sink registry: the keys at the top level of a `logs.sinks` item.
const ConfigSchema& LokiSinkSchema();
Result<std::unique_ptr<LogSink>> MakeLokiSinkFromConfig(const Config& config);
// InvalidArgument when the options cannot work (no URL, both auth kinds, bad
// static label names, unknown encoding).
Status ValidateLokiSinkOptions(const LokiSinkOptions& options);

// The push request Deliver() sends for `records` (pure; exposed for tests).
LokiPushRequest BuildLokiPush(const LokiSinkOptions& options, const std::vector<StoredRecord>& records);
// The entry timestamp of a record: time_ms * 10^6 + offset mod 10^6.
int64_t LokiTimestampNanos(const LogRecord& record);

class LokiSink : public LogSink {
 public:
  // InvalidArgument from ValidateLokiSinkOptions.
  static Result<std::unique_ptr<LokiSink>> Create(LokiSinkOptions options);
  ~LokiSink() override;

  std::string_view Kind() const override { return "loki"; }
  Result<SinkDelivery> Deliver(const std::vector<StoredRecord>& records) override;

 private:
  explicit LokiSink(LokiSinkOptions options);
  static constexpr int kMaxSplitRequests = 64;
  Status Send(const std::vector<StoredRecord>& records, SinkDelivery& delivery, int& split_budget);
  LokiSinkOptions options_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace kelola
