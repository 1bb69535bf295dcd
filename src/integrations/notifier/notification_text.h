// The words every notifier uses for a notification, so Slack, PagerDuty and
// the others title the same group the same way. Titles follow Alertmanager's
// default templates (`__subject`): "[FIRING:2] <group label values>
// (<other common label values>)", "[RESOLVED] ...".
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "alerting/alert.h"

namespace kelola {

// "[FIRING:2] ErrorSpike api (prod)"; "[RESOLVED] ErrorSpike api".
std::string NotificationTitle(const Notification& n);

// The alert's annotation `summary`, else `description`, else its alertname
// label, else "alert".
std::string AlertSummary(const Alert& a);

// "k1=v1 k2=v2" in label-name order.
std::string LabelPairs(const LabelSet& labels);

// At most `max_bytes` bytes of `s`, never cutting a UTF-8 sequence, with "…"
// (counted in the limit) when something was cut.
std::string TruncateUtf8(std::string_view s, size_t max_bytes);

// Number of alerts in `n` with the given status.
size_t CountAlerts(const Notification& n, AlertStatus status);

}  // namespace kelola
