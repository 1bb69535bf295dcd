#include "net/backoff.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace kelola {

Duration BackoffDelay(int attempt, Duration initial, Duration max, double random01) {
  if (initial <= Duration::zero() || max <= Duration::zero()) return Duration::zero();
  attempt = std::clamp(attempt, 0, 62);
  random01 = std::isnan(random01) ? 0.0 : std::clamp(random01, 0.0, 1.0);
  // Doubling in floating point cannot overflow the way an integer shift does.
  const double cap =
      std::min(static_cast<double>(max.count()), static_cast<double>(initial.count()) * std::ldexp(1.0, attempt));
  const auto delay = static_cast<Duration::rep>(cap * random01);
  return std::min(Duration(delay), max);
}

std::optional<Duration> ParseRetryAfter(std::string_view value, WallTime now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Anything longer than a day of seconds is capped by the caller anyway.
    if (value.size() > 9) return std::chrono::seconds(999'999'999);
    return std::chrono::seconds(std::stol(std::string(value)));
  }
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const Duration delta = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(delta, Duration::zero());
}

bool IsRetryableHttpStatus(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

}  // namespace kelola
