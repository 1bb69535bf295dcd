#include "base/backoff.h"

#include <algorithm>
#include <cmath>

namespace kelola {

Duration CappedExponentialDelay(Duration initial, Duration max, int64_t exponent) {
  const int64_t cap = max.count();
  int64_t delay = std::max<int64_t>(initial.count(), 1);
  if (delay >= cap) return max;
  for (int64_t i = 0; i < exponent; ++i) {
    if (delay > cap / 2) return max;
    delay *= 2;
  }
  return Duration(std::min(delay, cap));
}

Duration BackoffDelay(int attempt, Duration initial, Duration max, double random01) {
  if (initial <= Duration::zero() || max <= Duration::zero()) return Duration::zero();
  random01 = std::isnan(random01) ? 0.0 : std::clamp(random01, 0.0, 1.0);
  const double cap = static_cast<double>(CappedExponentialDelay(initial, max, attempt).count());
  const auto delay = static_cast<Duration::rep>(cap * random01);
  return std::min(Duration(delay), max);
}

}  // namespace kelola
