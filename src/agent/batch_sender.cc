#include "agent/batch_sender.h"

#include "base/logging.h"
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

bool HttpBatchSender::TryNextServer(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded ||
         status.code() == StatusCode::kResourceExhausted;
}

Status HttpBatchSender::Send(const std::string& frame) {
  if (options_.servers.empty()) return InvalidArgumentError("agent: no server to send logs to");
  Status last = OkStatus();
  for (size_t tried = 0; tried < options_.servers.size(); ++tried) {
    const size_t index = (current_ + tried) % options_.servers.size();
    last = SendTo(options_.servers[index], frame);
    if (!TryNextServer(last)) {
      if (index != current_) {
        LogInfo("shipping logs to another server",
                {{"from", options_.servers[current_]}, {"to", options_.servers[index]}});
        current_ = index;
      }
      return last;
    }
    if (options_.servers.size() > 1) {
      LogWarn("server did not take the batch; trying the next one",
              {{"server", options_.servers[index]}, {"error", last.ToString()}});
    }
  }
  return last;
}

Status HttpBatchSender::SendTo(const std::string& server, const std::string& frame) {
  ClientRequest req;
  req.method = "POST";
  req.url = server + "/v1/logs/ingest";
  req.headers["Content-Type"] = std::string(kFrameContentType);
  if (!options_.token.empty()) req.headers["Authorization"] = "Bearer " + options_.token;
  req.body = frame;
  req.retry = false;
  auto resp = http_.Send(req);
  if (!resp.ok()) return UnavailableError("sending logs to " + server + ": " + resp.status().message());
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
