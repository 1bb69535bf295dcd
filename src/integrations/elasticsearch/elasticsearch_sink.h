// ElasticsearchSink: a LogSink writing to Elasticsearch or OpenSearch with
// the `_bulk` API (bulk_codec.h has the wire format).
//
// Deliver(records):
//   - one `_bulk` request per call (gzip body unless turned off), `create`
//     actions by default, index by date pattern, deterministic `_id`;
//   - per item: 2xx stored; 409 on `create` stored (a previous attempt already
//     wrote it); 429 and 5xx sent again — only those items — with exponential
//     backoff and full jitter, at most `max_item_attempts` sends; any other
//     4xx is a dead letter with "error.type: error.reason";
//   - the whole request failing (network error, timeout, 429, 5xx, or items
//     still refused after the budget) is Unavailable; 401/403 is
//     PermissionDenied; other statuses FailedPrecondition. The forwarder then
//     offers the batch again (idempotent thanks to the `_id`).
// Credentials (basic auth or API key) go into the Authorization header only:
// never into errors or logs. TLS is verified; `ca_file` adds a CA.
//
// Concurrency: inside one delivery the batch is split into up to `limit`
// requests in flight (slices of at least 100 records), where `limit` adapts
// by AIMD (aimd_limit.h): +1 after a round without 429/5xx, halved after one,
// within [1, max_concurrency]. The forwarder still has one batch in flight, so
// its cursor stays a single number.
// Thread-safety: Deliver is called by one thread at a time (log_sink.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "logs/log_sink.h"
#include "net/http_client.h"

namespace kelola {

struct ElasticsearchSinkOptions {
  std::string url;  // "https://es.example:9200" (no trailing /_bulk)
  std::string index = "logs-%Y.%m.%d";
  std::string action = "create";  // or "index"
  std::string username;
  std::string password;
  std::string api_key;  // sent as "Authorization: ApiKey <api_key>"
  std::string ca_file;
  bool verify_tls = true;
  bool gzip = true;
  int max_item_attempts = 5;
  int max_concurrency = 4;  // requests in flight per delivery (AIMD upper bound)
  Duration initial_backoff = std::chrono::milliseconds(200);
  Duration max_backoff = std::chrono::seconds(5);
  std::chrono::milliseconds timeout{30'000};
};

struct ElasticsearchSinkHooks {
  // Waits between item retries; default sleeps. Tests pass a recorder.
  std::function<void(Duration)> sleep;
  // Uniform in [0, 1), for jitter; default a PRNG.
  std::function<double()> random01;
};

// InvalidArgument for a bad url, index pattern or action, or both auth kinds.
Result<std::unique_ptr<LogSink>> MakeElasticsearchSink(const ElasticsearchSinkOptions& options,
                                                       ElasticsearchSinkHooks hooks = {});

}  // namespace kelola
