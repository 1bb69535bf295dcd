// ExponentialBackoff: per-key failure counting with doubling delays, the
// engine's equivalent of client-go's ItemExponentialFailureRateLimiter.
//
// The n-th consecutive failure of a key (counting from 0) waits
// base * 2^n, capped at max (CappedExponentialDelay of base/backoff.h).
// Forget() resets a key after a success.
//
// Thread-safety: not thread-safe; WorkQueue guards it with its own mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "base/backoff.h"
#include "base/clock.h"

namespace kelola {

struct BackoffPolicy {
  Duration base = std::chrono::milliseconds(5);
  Duration max = std::chrono::seconds(1000);
};

class ExponentialBackoff {
 public:
  explicit ExponentialBackoff(BackoffPolicy policy = {});

  // Records one more failure of `key` and returns how long to wait before
  // retrying it.
  Duration NextDelay(const std::string& key);
  // Clears the failure history of `key`.
  void Forget(const std::string& key);
  // Failures recorded for `key` since the last Forget().
  int64_t Failures(const std::string& key) const;

  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  std::unordered_map<std::string, int64_t> failures_;
};

}  // namespace kelola
