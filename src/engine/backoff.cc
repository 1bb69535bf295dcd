#include "engine/backoff.h"

#include <algorithm>

namespace kelola {

ExponentialBackoff::ExponentialBackoff(BackoffPolicy policy) : policy_(policy) {
  // A non-positive base would never grow; a max below base would make the
  // cap meaningless. Both are programming errors, so repair them quietly
  // rather than busy-loop on retries.
  if (policy_.base <= Duration::zero()) policy_.base = std::chrono::milliseconds(1);
  if (policy_.max < policy_.base) policy_.max = policy_.base;
}

Duration ExponentialBackoff::NextDelay(const std::string& key) {
  int64_t& failures = failures_[key];
  Duration delay = CappedExponentialDelay(policy_.base, policy_.max, failures);
  ++failures;
  return delay;
}

void ExponentialBackoff::Forget(const std::string& key) { failures_.erase(key); }

int64_t ExponentialBackoff::Failures(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace kelola
