// How an answer of Slack's incoming-webhook endpoint is taken: a status and
// a bare error code in the body ("channel_is_archived"), mapped to a
// NotifyAttempt as the table in slack_notifier.h says. Pure; thread-safe;
// also built by the fuzz preset (fuzz/notifier_fuzz.cc).
#pragma once

#include <optional>
#include <string_view>

#include "alerting/alert.h"
#include "base/clock.h"

namespace kelola {

NotifyAttempt ClassifySlackResponse(int status, std::string_view body, std::optional<Duration> retry_after);

}  // namespace kelola
