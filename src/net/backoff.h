// Retry timing for the HTTP client: exponential backoff with full jitter,
// and the server's Retry-After hint.
//
// Pure functions of their arguments (randomness and "now" are passed in), so
// they are tested exhaustively without sleeping. Thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "base/clock.h"

namespace kelola {

// Delay before retry `attempt` (0 for the first retry): a uniformly random
// point, given by `random01` in [0, 1), of min(max, initial * 2^attempt).
// Full jitter spreads retries of many clients that failed together.
Duration BackoffDelay(int attempt, Duration initial, Duration max, double random01);

// Parses a Retry-After value: delay-seconds ("120") or an HTTP-date, turned
// into a delay relative to `now` (a date in the past is a zero delay).
// nullopt when the value is neither.
std::optional<Duration> ParseRetryAfter(std::string_view value, WallTime now);

// 429, 502, 503 and 504: the server says "not now", so a retry may succeed.
bool IsRetryableHttpStatus(int status);

}  // namespace kelola
