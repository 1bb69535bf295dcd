// Pure helpers the notifiers share, free of any HTTP client so the payload
// builders and answer classifiers can be built alone (the fuzz preset):
// secret redaction, body excerpts, URL checks, send_resolved filtering and
// Alertmanager's time format. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/alert.h"
#include "base/clock.h"
#include "base/status.h"

namespace kelola {

// `text` with every occurrence of each non-empty secret replaced by "<redacted>".
std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets);

// The parts of a URL that may carry a secret, for RedactSecrets: the URL,
// its path and query, the last path segment (a Slack webhook's token) and a
// userinfo password.
std::vector<std::string> SecretPartsOfUrl(std::string_view url);

// The start of a response body for a detail: at most `max_bytes`, control
// characters as spaces, trimmed.
std::string BodyExcerpt(std::string_view body, size_t max_bytes = 200);

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
