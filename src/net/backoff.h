// Retry timing for the HTTP client: the server's Retry-After hint and which
// statuses are worth a retry. The jittered delay, BackoffDelay, is in
// base/backoff.h (included here for the callers).
//
// Pure functions of their arguments (randomness and "now" are passed in), so
// they are tested exhaustively without sleeping. Thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "base/backoff.h"
#include "base/clock.h"

namespace kelola {

// Parses a Retry-After value: delay-seconds ("120") or an HTTP-date, turned
// into a delay relative to `now` (a date in the past is a zero delay).
// nullopt when the value is neither.
std::optional<Duration> ParseRetryAfter(std::string_view value, WallTime now);

// 429, 502, 503 and 504: the server says "not now", so a retry may succeed.
bool IsRetryableHttpStatus(int status);

}  // namespace kelola
