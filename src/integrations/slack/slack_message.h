// A notification as a Slack incoming-webhook message: Block Kit blocks
// (header, one section + context per alert, a footer linking back to
// kelola) and the top-level `text` that Slack shows in notifications and
// where blocks cannot be shown. Pure; thread-safe.
//
// Limits kept (Slack's Block Kit reference): at most 50 blocks (alerts
// beyond kMaxSlackAlerts are counted in a "and N more" line), header text
// 150 characters, section text 3000, `text` 4000. Text in mrkdwn has &, <
// and > escaped so that alert text cannot forge links or mentions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "alerting/alert.h"

namespace kelola {

inline constexpr size_t kMaxSlackAlerts = 20;

// The JSON body to POST to the webhook URL.
std::string SlackMessageJson(const Notification& n);

// Slack's mrkdwn escaping: & < > as &amp; &lt; &gt;.
std::string SlackEscape(std::string_view text);

}  // namespace kelola
