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
  Duration delay = CappedExponentialDelay(policy_, failures);
  ++failures;
  return delay;
}

void ExponentialBackoff::Forget(const std::string& key) { failures_.erase(key); }

int64_t ExponentialBackoff::Failures(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

Duration CappedExponentialDelay(const BackoffPolicy& policy, int64_t exponent) {
  const int64_t max = policy.max.count();
  int64_t delay = std::max<int64_t>(policy.base.count(), 1);
  if (delay >= max) return policy.max;
  for (int64_t i = 0; i < exponent; ++i) {
    if (delay > max / 2) return policy.max;
    delay *= 2;
  }
  return Duration(std::min(delay, max));
}

}  // namespace kelola
