// How the alert manager's state is kept in the Store, as resources (so every
// write is versioned, shows in the event log and SSE, and is served by the
// generic resource API), plus the typed events of alert transitions.
//
//   Alert/<fingerprint>    spec {labels, annotations, generatorURL, forMillis}
//                          status {state: pending|firing|resolved, activeAt,
//                                  startsAt, endsAt, silencedBy, inhibitedBy}
//   AlertGroup/g-<hash>    spec {receiver, groupKey, groupLabels}
//                          status {firingAlerts, resolvedAlerts, notifiedAt}:
//                          Alertmanager's notification log entry — what the
//                          receiver was last told about the group, and when
//   Silence/<id>           spec as in silence.h; status {state}
//
// Pure encoders and decoders; thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "alerting/alert.h"
#include "alerting/silence.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kAlertKind = "Alert";
inline constexpr const char* kAlertGroupKind = "AlertGroup";
inline constexpr const char* kSilenceKind = "Silence";

enum class AlertState { kPending, kFiring, kResolved };
std::string_view AlertStateName(AlertState state);  // "pending" | "firing" | "resolved"
Result<AlertState> ParseAlertState(std::string_view name);

// An alert as the manager tracks it.
struct TrackedAlert {
  Alert alert;  // labels, annotations, status (firing or resolved), startsAt, endsAt
  AlertState state = AlertState::kPending;
  WallTime active_at{};  // when the detector first reported it active
  Duration for_duration{};
  std::vector<std::string> silenced_by;   // silence ids
  std::vector<std::string> inhibited_by;  // fingerprints of the inhibiting alerts
};

// What a receiver was last told about a group (Alertmanager's nflog entry).
struct NotifyLogEntry {
  std::string receiver;
  std::string group_key;
  LabelSet group_labels;
  std::set<uint64_t> firing;
  std::set<uint64_t> resolved;
  WallTime notified_at{};
};

Resource AlertToResource(const TrackedAlert& alert);
Result<TrackedAlert> AlertFromResource(const Resource& resource);

// "g-" + 16 hex digits of the FNV-1a hash of the group key.
std::string AlertGroupName(const std::string& group_key);
Resource NotifyLogToResource(const NotifyLogEntry& entry);
Result<NotifyLogEntry> NotifyLogFromResource(const Resource& resource);

Resource SilenceToResource(const Silence& silence, WallTime now);
Result<Silence> SilenceFromResource(const Resource& resource);

// The alert as API clients see it (GET /v1/alerts): Alertmanager's
// GettableAlert fields plus kelola's state.
std::string AlertApiJson(const TrackedAlert& alert);

// Every resource of `kind`, all pages.
Result<std::vector<Resource>> ListAllResources(Store& store, const std::string& kind);

}  // namespace kelola
