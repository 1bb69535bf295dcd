// AlertManager: the alert lifecycle with Alertmanager's semantics, as pure
// logic over a Clock and a Store (docs/alerts.md).
//
// Detectors Report() signals: labels, annotations, active or not. Per
// fingerprint an alert goes pending -> firing (once active for its `for`)
// -> resolved (reported inactive); a pending alert that goes inactive is
// dropped. Firing alerts join one group per matching route (routing.h),
// keyed by the route and the route's group_by labels. Process() does what
// is due at the clock's now: promotes pending alerts, syncs silences from
// the store, and flushes each group whose group_wait (first time) or
// group_interval (afterwards) is over, or whose failed delivery is due for
// a retry. A flush leaves out silenced and inhibited alerts and sends the
// group's receiver one Notification only when Alertmanager would: new
// firing alerts, newly resolved ones (send_resolved), all resolved after a
// notification, or repeat_interval passed. Delivery outcomes: delivered
// updates the notification log; kRetry retries after Retry-After when given,
// else after an exponential backoff (1s doubling up to 5m); kRejected waits
// for the next group_interval; kReceiverDisabled stops sending to that
// receiver (until restart) and raises an event.
//
// State (alerts, notification log, silences) is written to the Store as
// resources (alert_records.h), so a manager made again from the same store
// (Load()) neither repeats a notification nor misses a resolve. Every
// transition and every delivery attempt appends an event (types "alert.*").
//
// Thread-safety: none; AlertingService serialises calls. Store errors are
// returned (the in-memory state goes on; the next write repairs it).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alerting/alert.h"
#include "alerting/alert_records.h"
#include "alerting/routing.h"
#include "alerting/silence.h"
#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

// What a detector says about one condition.
struct AlertSignal {
  LabelSet labels;  // identify the alert; at least one, names [a-zA-Z_][a-zA-Z0-9_]*
  LabelSet annotations;
  bool active = true;
  Duration for_duration{};  // how long it must stay active before it fires
  std::string generator_url;
};

struct AlertManagerOptions {
  Duration min_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::minutes(5);
  Duration max_retry_after = std::chrono::hours(1);
  // Resolved alerts, once notified, stay listed this long, then are deleted.
  Duration resolved_retention = std::chrono::hours(24);
  // Expired silences stay listed this long (Alertmanager's default), then are deleted.
  Duration expired_silence_retention = std::chrono::hours(120);
  std::string actor = "alerting";  // recorded on store writes and events
};

class AlertManager {
 public:
  AlertManager(RoutingConfig config, Store& store, Clock& clock, AlertManagerOptions options = {});

  // Reads alerts, the notification log and silences back from the store.
  Status Load();
  Status Report(const AlertSignal& signal);
  // Does everything due now, sending through `receivers` (by name); a route
  // whose receiver is missing there is skipped with a failed-attempt event.
  Status Process(const std::map<std::string, Notifier*>& receivers);
  // When Process() next has something to do (nullopt: only on Report()).
  std::optional<WallTime> NextWakeup() const;

  std::vector<TrackedAlert> Alerts() const;
  bool ReceiverDisabled(const std::string& receiver) const { return disabled_.count(receiver) > 0; }

 private:
  struct Group {
    const Route* route = nullptr;
    std::string key;
    LabelSet labels;
    std::set<uint64_t> alerts;
    WallTime next_flush{};
    bool has_flushed = false;
    std::optional<WallTime> retry_at;
    int failures = 0;
  };
  struct Delivery {
    std::string group_key;
    Notification notification;
    std::set<uint64_t> firing;
    std::set<uint64_t> resolved;
  };

  void InsertIntoGroups(uint64_t fp, WallTime now);
  Status PromotePending(WallTime now);
  Status SyncSilences(WallTime now);
  Status UpdateMuting(WallTime now);
  std::optional<Delivery> Flush(Group& group, WallTime now);
  Status Deliver(Delivery& delivery, const std::map<std::string, Notifier*>& receivers, WallTime now);
  void DropResolved(const std::string& group_key, const std::set<uint64_t>& fps);
  Status CollectGarbage(WallTime now);

  Status PutAlert(const TrackedAlert& alert, bool status_only);
  Status AlertEvent(const std::string& type, const TrackedAlert& alert);
  Status Emit(const std::string& type, const std::string& subject, const std::string& data_json);

  RoutingConfig config_;
  Store& store_;
  Clock& clock_;
  AlertManagerOptions options_;
  std::map<uint64_t, TrackedAlert> alerts_;
  std::map<std::string, Group> groups_;                // by group key
  std::map<std::string, NotifyLogEntry> nflog_;        // by group key
  std::map<std::string, Silence> silences_;            // by id
  std::map<std::string, std::string> silence_states_;  // id -> stored status state
  std::set<std::string> disabled_;
};

}  // namespace kelola
