#include "integrations/notifier/notifier_http.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "base/config_schema.h"
#include "net/backoff.h"

namespace kelola {
namespace {

HttpClientOptions ClientOptions(const ReceiverHttpOptions& o) {
  HttpClientOptions c;
  c.timeout = o.timeout;
  c.connect_timeout = std::min(o.timeout, std::chrono::milliseconds(5'000));
  c.max_retries = 0;  // the alert manager owns retries
  c.verify_tls = o.verify_tls;
  c.ca_file = o.ca_file;
  c.user_agent = "kelola-notifier";
  return c;
}

// The client's message starts with "POST <url without query>"; keep what
// follows (curl's words), never the URL.
std::string WithoutUrl(const std::string& message, const std::string& url) {
  std::string_view base = url;
  base = base.substr(0, base.find_first_of("?#"));
  const std::string prefix = "POST " + std::string(base);
  std::string rest = message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
  while (!rest.empty() && (rest.front() == ':' || rest.front() == ' ')) rest.erase(0, 1);
  return RedactSecrets(rest, {url, std::string(base)});
}

}  // namespace

ReceiverHttpOptions ReceiverHttpOptionsFromConfig(const Config& config) {
  return {.timeout = config.GetDuration("timeout"),
          .verify_tls = config.GetBool("tls.verify"),
          .ca_file = config.GetString("tls.ca_file")};
}

NotifierHttp::NotifierHttp(const ReceiverHttpOptions& options)
    : timeout_(options.timeout), http_(ClientOptions(options)) {}

Result<ClientResponse> NotifierHttp::PostJson(const std::string& url, const HeaderMap& headers,
                                              const std::string& body) {
  ClientRequest req;
  req.method = "POST";
  req.url = url;
  req.headers = headers;
  req.headers["Content-Type"] = "application/json";
  req.body = body;
  req.retry = false;
  auto r = http_.Send(req);
  if (r.ok()) return r;
  const Status& s = r.status();
  switch (s.code()) {
    case StatusCode::kDeadlineExceeded: return DeadlineExceededError("no answer within " + FormatDuration(timeout_));
    case StatusCode::kInvalidArgument:
      return InvalidArgumentError("the request cannot be made: " + WithoutUrl(s.message(), url));
    default: return Status(s.code(), WithoutUrl(s.message(), url));
  }
}

NotifyAttempt TransportFailureAttempt(const Status& status, std::string_view what) {
  NotifyAttempt a;
  a.kind = status.code() == StatusCode::kInvalidArgument ? NotifyAttempt::Kind::kReceiverDisabled
                                                         : NotifyAttempt::Kind::kRetry;
  a.detail = std::string(what) + ": " + status.message();
  return a;
}

std::optional<Duration> RetryAfterOf(const ClientResponse& response, WallTime now) {
  auto it = response.headers.find("Retry-After");
  if (it == response.headers.end()) return std::nullopt;
  return ParseRetryAfter(it->second, now);
}

}  // namespace kelola
