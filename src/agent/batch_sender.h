// BatchSender: delivers one encoded frame (docs/formats/agent-frame.md) to
// the server and says whether it was stored. The seam between the agent's
// pipeline and the network; tests use a fake.
//
// Send's Status: OK = the server acknowledged (the records are durably
// stored); Unavailable / DeadlineExceeded / ResourceExhausted = not stored,
// retry later; Unauthenticated / PermissionDenied = the token is refused
// (retry later too: someone may fix it, and dropping would lose data);
// InvalidArgument = the server will never accept this frame.
// HttpBatchSender is thread-compatible (one caller at a time).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "net/http_client.h"

namespace kelola {

class BatchSender {
 public:
  virtual ~BatchSender() = default;
  virtual Status Send(const std::string& frame) = 0;
};

struct HttpBatchSenderOptions {
  std::string server;  // "http://127.0.0.1:7480"
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
  HttpBatchSenderOptions options_;
  HttpClient http_;
};

}  // namespace kelola
