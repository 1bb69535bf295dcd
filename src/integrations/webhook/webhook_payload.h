// A notification in Alertmanager's webhook JSON (webhook_config, payload
// version "4"), so anything written for Alertmanager webhooks reads it:
//
//   {"receiver","status","alerts":[{"status","labels","annotations",
//    "startsAt","endsAt","generatorURL","fingerprint"}],"groupLabels",
//    "commonLabels","commonAnnotations","externalURL","version":"4",
//    "groupKey","truncatedAlerts"}
//
// As Alertmanager does: alerts beyond `max_alerts` (0 = no limit) are
// dropped first and counted in truncatedAlerts, then status and the common
// labels are computed over what is sent; times are Go's RFC3339Nano in UTC
// and an unset endsAt is Go's zero time "0001-01-01T00:00:00Z"; the
// fingerprint is Alertmanager's (16 hex digits). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "alerting/alert.h"

namespace kelola {

std::string AlertmanagerWebhookJson(const Notification& n, size_t max_alerts = 0);

}  // namespace kelola
