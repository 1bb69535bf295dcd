// FakeLokiServer: an in-process stand-in for Grafana Loki's push endpoint.
//
// Why a fake: no Loki server can be run here. Debian's `loki` package is an
// unrelated program, and Loki itself is AGPL-licensed and not to be used.
// So LokiSink and kelola's own /loki/api/v1/push are tested against each
// other and against this fake, which follows Loki's published push API
// (https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs
// and the request-validation docs) including its failure modes:
//
//   - POST /loki/api/v1/push, JSON (optionally gzip) or snappy protobuf,
//     decoded by the same rules as Loki (Content-Type, Content-Encoding);
//     success is 204 with no body.
//   - Validation as Loki's distributor does it, per stream and entry: a
//     stream without labels, more than `max_label_names` names, a name or
//     value too long; an entry older than `reject_old_samples_max_age`, newer
//     than now + `creation_grace_period`, or behind the stream's newest entry
//     by more than `out_of_order_window` (Loki's "entry too far behind"; with
//     `ordered_writes` any older entry is "entry out of order", as before
//     Loki 2.4). Valid entries are stored, invalid ones are not, and the
//     answer is 400 with Loki's messages when any was refused.
//   - Deduplication: an entry with the same stream, timestamp and line as a
//     stored one is ignored without error, as Loki does.
//   - Injected failures: the next N requests answer a given status (429,
//     500, 503 ...), optionally after storing the request (a lost answer).
//   - An optional expected Authorization header (Loki behind a gateway):
//     anything else is 401.
//
// Thread-safe; the accessors copy under the lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "integrations/loki/loki_push.h"

namespace kelola {

class HttpServer;

struct FakeLokiOptions {
  std::chrono::nanoseconds reject_old_samples_max_age = std::chrono::hours(24 * 7);
  std::chrono::nanoseconds creation_grace_period = std::chrono::minutes(10);
  std::chrono::nanoseconds out_of_order_window = std::chrono::hours(1);
  bool ordered_writes = false;
  size_t max_label_names = 15;
  size_t max_label_name_length = 1024;
  size_t max_label_value_length = 2048;
  std::string expected_authorization;  // "" = no check
  size_t max_body_bytes = 8 * 1024 * 1024;
  // HTTPS when both are set (push_url() then says https).
  std::string tls_cert_file;
  std::string tls_key_file;
};

struct FakeLokiEntry {
  std::string tenant;  // X-Scope-OrgID, "fake" when absent (Loki's single-tenant name)
  std::string labels;  // FormatLokiLabels
  int64_t timestamp_ns = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> structured_metadata;
};

struct FakeLokiRequest {
  std::string content_type;
  std::string content_encoding;
  std::string tenant_header;
  std::string authorization;
  int status = 0;
  std::string answer;
};

class FakeLokiServer {
 public:
  static Result<std::unique_ptr<FakeLokiServer>> Start(FakeLokiOptions options = {});
  ~FakeLokiServer();

  // http(s)://127.0.0.1:PORT/loki/api/v1/push
  std::string push_url() const;
  // The next `n` requests answer `status` with `body`; with `store_first`
  // their entries are stored before answering (the answer got lost).
  void FailNext(int n, int status, std::string body = "", bool store_first = false);
  std::vector<FakeLokiEntry> Entries() const;
  std::vector<FakeLokiRequest> Requests() const;
  uint64_t duplicates_ignored() const;

 private:
  FakeLokiServer() = default;
  struct Response {
    int status;
    std::string body;
  };
  Response Handle(const std::string& content_type, const std::string& content_encoding, const std::string& tenant,
                  const std::string& authorization, const std::string& body);
  std::string Store(const std::string& tenant, const LokiPushRequest& push, size_t* refused, size_t* total);

  FakeLokiOptions options_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mu_;
  std::vector<FakeLokiEntry> entries_;
  std::vector<FakeLokiRequest> requests_;
  // tenant + labels -> newest timestamp, and the (timestamp, line) pairs stored
  std::map<std::string, int64_t> newest_;
  std::map<std::string, std::map<int64_t, std::vector<std::string>>> stored_;
  int fail_count_ = 0;
  int fail_status_ = 0;
  std::string fail_body_;
  bool fail_store_first_ = false;
  uint64_t duplicates_ = 0;
};

}  // namespace kelola
