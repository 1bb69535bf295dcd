// What the four notifiers (slack/, pagerduty/, webhook/, alertmanager/)
// share: one POST bounded by the receiver's timeout, turned into a
// NotifyAttempt (src/alerting/alert.h) without ever repeating a secret.
//
// A receiver's URL may itself be the secret (a Slack webhook URL carries its
// token in the path), so no detail here names the URL: transport failures
// are described by kind ("timed out after 10s", "connection refused"), and
// every text that came from the receiver goes through RedactSecrets.
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

// `text` with every occurrence of each non-empty secret replaced by "<redacted>".
std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets);

// The parts of a URL that may carry a secret, for RedactSecrets: the URL,
// its path and query, the last path segment (a Slack webhook's token) and a
// userinfo password.
std::vector<std::string> SecretPartsOfUrl(std::string_view url);

// The start of a response body for a detail: at most `max_bytes`, control
// characters as spaces, trimmed.
std::string BodyExcerpt(std::string_view body, size_t max_bytes = 200);

// The Retry-After header of a response as a delay (seconds or an HTTP date
// relative to `now`), or nullopt.
std::optional<Duration> RetryAfterOf(const ClientResponse& response, WallTime now);

// InvalidArgument naming `key` (not the value, which may be secret) unless
// `url` is an absolute http:// or https:// URL with a host and no whitespace.
Status ValidateReceiverUrl(std::string_view key, std::string_view url);

// The notification as this receiver sees it: with `send_resolved` false, the
// resolved alerts are left out (Alertmanager's send_resolved); nullopt when
// nothing is left to send.
std::optional<Notification> ForReceiver(const Notification& notification, bool send_resolved);

// Go's time.RFC3339Nano in UTC, as Alertmanager writes times:
// "2026-11-27T10:00:00Z", "2026-11-27T10:00:00.25Z" (trailing zeros dropped).
std::string FormatGoTime(WallTime t);
// Go's zero time.Time, which Alertmanager sends for an unset endsAt.
inline constexpr std::string_view kGoZeroTime = "0001-01-01T00:00:00Z";

}  // namespace kelola
