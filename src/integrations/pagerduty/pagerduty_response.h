// How an answer of PagerDuty's Events API v2 is taken, as the table in
// pagerduty_notifier.h says; `body` is PagerDuty's JSON answer
// ({"status","message","dedup_key"} or {"status","message","errors":[...]}),
// quoted in the detail. Pure; thread-safe; also built by the fuzz preset
// (fuzz/notifier_fuzz.cc).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "alerting/alert.h"
#include "base/clock.h"

namespace kelola {

// The retry hint for a 429 without Retry-After: PagerDuty asks for minutes.
inline constexpr std::chrono::seconds kPagerDutyRateLimitBackoff{60};

NotifyAttempt ClassifyPagerDutyResponse(int status, std::string_view body, std::optional<Duration> retry_after);

}  // namespace kelola
