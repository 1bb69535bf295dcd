// A notification as a PagerDuty Events API v2 alert event (POST /v2/enqueue):
// `trigger` while any alert of the group fires, `resolve` once all are over,
// both with the same `dedup_key` so PagerDuty folds them into one alert.
// Pure; thread-safe.
//
// dedup_key: SHA-256 (hex) of the group key, as Alertmanager's PagerDuty
// integration computes it, so a group keeps its key across restarts and
// re-notifications. severity: the highest `severity` label among the firing
// alerts, mapped to critical|error|warning|info (PagerDutySeverity), or the
// receiver's default.
#pragma once

#include <string>
#include <string_view>

#include "alerting/alert.h"

namespace kelola {

struct PagerDutyEventOptions {
  std::string routing_key;                 // the integration key (secret)
  std::string source;                      // payload.source; "" = from labels (instance, host, service) or "kelola"
  std::string default_severity = "error";  // when no alert has a known severity label
};

// hex SHA-256 of the group key (64 characters; PagerDuty allows 255).
std::string PagerDutyDedupKey(std::string_view group_key);

// "critical" for critical/fatal/page/p1..., "error" for error/high/major...,
// "warning" for warning/warn/medium/minor..., "info" for info/low/notice...;
// "" when the value is none of these. Case-insensitive.
std::string PagerDutySeverity(std::string_view kelola_severity);

// The JSON body: a trigger event or, for a resolved notification, a resolve.
std::string PagerDutyEventJson(const Notification& n, const PagerDutyEventOptions& options);

}  // namespace kelola
