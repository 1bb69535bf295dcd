#include "net/backoff.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace kelola {

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
