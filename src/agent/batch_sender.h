// BatchSender: delivers one encoded frame (docs/formats/agent-frame.md) to
// the server and says whether it was stored. The seam between the agent's
// pipeline and the network; tests use a fake.
//
// Send's Status: OK = the server acknowledged (the records are durably
// stored); Unavailable / DeadlineExceeded / ResourceExhausted = not stored,
// retry later; Unauthenticated / PermissionDenied = the token is refused
// (retry later too: someone may fix it, and dropping would lose data);
// InvalidArgument = the server will never accept this frame.
//
// HttpBatchSender ships to one of several server replicas: it sticks to the
// current one while it answers and, when it cannot be reached or answers
// 5xx/429 (down, store unavailable, overloaded), tries the next ones in
// order within the same Send, so a dead replica costs one failed attempt,
// not a backoff. Answers that another replica would give too (401, 403,
// 400, 413) end the Send at once. A frame that was stored by a replica that
// died before answering is sent again elsewhere: at-least-once, as for
// retries to one server. Thread-compatible (one caller at a time).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/http_client.h"

namespace kelola {

class BatchSender {
 public:
  virtual ~BatchSender() = default;
  virtual Status Send(const std::string& frame) = 0;
};

struct HttpBatchSenderOptions {
  std::vector<std::string> servers;  // "http://127.0.0.1:7480", ...: at least one
  std::string token;
  std::chrono::milliseconds timeout{30'000};
  bool verify_tls = true;
  std::string ca_file;
};

class HttpBatchSender final : public BatchSender {
 public:
  explicit HttpBatchSender(HttpBatchSenderOptions options);
  Status Send(const std::string& frame) override;

 private:
  // A failure that another replica may not have: try the next one.
  static bool TryNextServer(const Status& status);
  Status SendTo(const std::string& server, const std::string& frame);

  HttpBatchSenderOptions options_;
  HttpClient http_;
  size_t current_ = 0;  // index into options_.servers
};

}  // namespace kelola
