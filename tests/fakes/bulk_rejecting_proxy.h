// BulkRejectingProxy: an HTTP proxy in front of a REAL OpenSearch node that
// makes chosen `_bulk` items fail with 429, the way a busy node does.
//
// Why a fake at all: a real node does answer per-item 429
// (es_rejected_execution_exception) when its write thread pool is full —
// measured on the test node with thread_pool.write.size=1 and queue_size=1
// under 24 concurrent 2,000-item bulks: 5 whole requests got 429 and 36,000
// items got 429 inside 200 answers — but which items, and how many, depends on
// timing. opensearch_sink_test.cc has that real-pressure test; it proves
// nothing is lost but cannot assert exact counters. For exact counters this
// proxy injects the documented failure shape for the items a test names,
// while every other item goes to the real node unchanged:
//
//   request   POST /_bulk[?query] NDJSON (gzip accepted), action+source pairs
//   response  200 {"took":N,"errors":true,"items":[...]} in request order;
//             an injected item reads {"create":{"_index":I,"_id":D,"status":429,
//             "error":{"type":"es_rejected_execution_exception","reason":...}}}
//
// Only `_bulk` is proxied; tests query the node directly. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace kelola::fakes {

class BulkRejectingProxy {
 public:
  // `reject(source_json, times_seen_before)`: true = answer 429 for this item.
  using RejectFn = std::function<bool(const std::string& source, int times_seen_before)>;
  static Result<std::unique_ptr<BulkRejectingProxy>> Start(std::string upstream_url, RejectFn reject);
  ~BulkRejectingProxy();

  std::string Url() const;
  int injected() const;       // items answered 429 so far
  int bulk_requests() const;  // _bulk requests received

 private:
  BulkRejectingProxy(std::string upstream, RejectFn reject);
  HttpResponse HandleBulk(HttpRequest& req);

  std::string upstream_;
  RejectFn reject_;
  HttpClient client_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mu_;
  std::map<std::string, int> seen_;  // by _id
  int injected_ = 0;
  int requests_ = 0;
};

}  // namespace kelola::fakes
