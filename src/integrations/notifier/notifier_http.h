// What the four notifiers (slack/, pagerduty/, webhook/, alertmanager/)
// share: one POST bounded by the receiver's timeout, turned into a
// NotifyAttempt (src/alerting/alert.h) without ever repeating a secret.
//
// A receiver's URL may itself be the secret (a Slack webhook URL carries its
// token in the path), so no detail here names the URL: transport failures
// are described by kind ("timed out after 10s", "connection refused"), and
// every text that came from the receiver goes through RedactSecrets
// (notifier_values.h, included here for the notifiers).
//
// The request is sent once: retries belong to the alert manager, which
// reads NotifyAttempt::kind and retry_after.
// Thread-safety: a NotifierHttp may be used from several threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/alert.h"
#include "base/config.h"
#include "base/status.h"
#include "integrations/notifier/notifier_values.h"
#include "net/http_client.h"

namespace kelola {

// The HTTP settings every receiver has (keys timeout, tls.ca_file, tls.verify).
struct ReceiverHttpOptions {
  std::chrono::milliseconds timeout{10'000};
  bool verify_tls = true;
  std::string ca_file;
};

// The common receiver keys as options (notifier_registry.h declares them:
// timeout, tls.ca_file, tls.verify).
ReceiverHttpOptions ReceiverHttpOptionsFromConfig(const Config& config);

class NotifierHttp {
 public:
  explicit NotifierHttp(const ReceiverHttpOptions& options);

  // POSTs `body` as application/json with `headers` added. A transport
  // failure (no HTTP answer) is a non-OK Status whose message names no URL.
  Result<ClientResponse> PostJson(const std::string& url, const HeaderMap& headers, const std::string& body);

  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  std::chrono::milliseconds timeout_;
  HttpClient http_;
};

// A failure without an HTTP answer: kRetry (timeout, refused, reset, TLS)
// or kReceiverDisabled when the request cannot be made at all (a malformed
// URL). `what` names the receiver kind: "Slack webhook".
NotifyAttempt TransportFailureAttempt(const Status& status, std::string_view what);

// The Retry-After header of a response as a delay (seconds or an HTTP date
// relative to `now`), or nullopt.
std::optional<Duration> RetryAfterOf(const ClientResponse& response, WallTime now);

}  // namespace kelola
