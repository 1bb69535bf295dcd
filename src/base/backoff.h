// Exponential backoff arithmetic shared by every retry loop: the HTTP
// client's and the log agent's jittered retries (net/backoff.h adds the
// HTTP-specific parts) and the engine's per-key ExponentialBackoff.
//
// Pure functions of their arguments (randomness is passed in), so they are
// tested exhaustively without sleeping. Thread-safe.
#pragma once

#include <cstdint>

#include "base/clock.h"

namespace kelola {

// initial * 2^exponent, capped at max, without overflowing. An initial below
// one tick counts as one tick; a negative exponent as 0.
Duration CappedExponentialDelay(Duration initial, Duration max, int64_t exponent);

// Delay before retry `attempt` (0 for the first retry): a uniformly random
// point, given by `random01` in [0, 1), of min(max, initial * 2^attempt).
// Full jitter spreads retries of many clients that failed together. Zero when
// initial or max is not positive.
Duration BackoffDelay(int attempt, Duration initial, Duration max, double random01);

}  // namespace kelola
