#include "agent/batch_sender.h"

#include "logs/log_frame.h"

namespace kelola {
namespace {

HttpClientOptions ClientOptions(const HttpBatchSenderOptions& o) {
  HttpClientOptions c;
  c.timeout = o.timeout;
  c.max_retries = 0;  // the agent owns retries and their backoff
  c.verify_tls = o.verify_tls;
  c.ca_file = o.ca_file;
  c.user_agent = "kelola-agent";
  return c;
}

}  // namespace

HttpBatchSender::HttpBatchSender(HttpBatchSenderOptions options)
    : options_(std::move(options)), http_(ClientOptions(options_)) {}

Status HttpBatchSender::Send(const std::string& frame) {
  ClientRequest req;
  req.method = "POST";
  req.url = options_.server + "/v1/logs/ingest";
  req.headers["Content-Type"] = std::string(kFrameContentType);
  if (!options_.token.empty()) req.headers["Authorization"] = "Bearer " + options_.token;
  req.body = frame;
  req.retry = false;
  auto resp = http_.Send(req);
  if (!resp.ok()) return UnavailableError("sending logs to " + options_.server + ": " + resp.status().message());
  // The body is the API's error shape; it never contains the token.
  std::string why = resp->body.substr(0, 512);
  switch (resp->status) {
    case 200: return OkStatus();
    case 401: return UnauthenticatedError("server refused the agent's token: " + why);
    case 403: return PermissionDeniedError("server refused the agent's token: " + why);
    case 400:
    case 413:
      return InvalidArgumentError("server rejected a batch (HTTP " + std::to_string(resp->status) + "): " + why);
    default: return UnavailableError("server answered HTTP " + std::to_string(resp->status) + ": " + why);
  }
}

}  // namespace kelola
