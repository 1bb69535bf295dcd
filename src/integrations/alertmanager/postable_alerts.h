// Alerts in the body of Alertmanager's `POST /api/v2/alerts`
// (postableAlerts in its OpenAPI spec): a JSON array of
//   {"labels":{...},"annotations":{...},"startsAt","endsAt","generatorURL"}
//
// - firing: endsAt is `now + firing_ttl` when firing_ttl > 0, else left out
//   (Alertmanager then resolves the alert after its resolve_timeout unless
//   it is sent again, as Prometheus re-sends);
// - resolved: endsAt is when it ended (now when unknown, never before
//   startsAt), so Alertmanager marks it resolved at once;
// - label and annotation names are made valid Prometheus names
//   ([a-zA-Z_][a-zA-Z0-9_]*: other characters become '_'), since
//   Alertmanager refuses the whole request for one invalid name;
// - an empty generatorURL is left out (the spec types it as a URI).
// Times are Go's RFC3339Nano in UTC. Pure; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "alerting/alert.h"
#include "base/clock.h"

namespace kelola {

std::string PostableAlertsJson(const std::vector<Alert>& alerts, WallTime now, std::chrono::milliseconds firing_ttl);

// "k8s.pod-name" -> "k8s_pod_name"; "9x" -> "_9x"; "" -> "_".
std::string PrometheusLabelName(std::string_view name);

}  // namespace kelola
