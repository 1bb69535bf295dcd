// Alert: one condition a detector reported, with Alertmanager's model —
// labels identify it (the fingerprint is Alertmanager's: FNV-1a 64 over the
// sorted label names and values), annotations describe it, and it is either
// firing or resolved. A Notification is what one receiver is sent for one
// group of alerts, in the shape of Alertmanager's webhook payload, so every
// notifier (src/integrations) renders the same facts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace kelola {

using LabelSet = std::map<std::string, std::string, std::less<>>;

enum class AlertStatus { kFiring, kResolved };

std::string_view AlertStatusName(AlertStatus s);  // "firing" | "resolved"

// Alertmanager's label-set fingerprint (prometheus/common model.LabelSet.Fingerprint).
uint64_t LabelsFingerprint(const LabelSet& labels);
// As Alertmanager prints it: 16 lower-case hex digits.
std::string FingerprintHex(uint64_t fingerprint);

struct Alert {
  LabelSet labels;       // alertname, service, severity, ...
  LabelSet annotations;  // summary, description, runbook_url, ...
  AlertStatus status = AlertStatus::kFiring;
  WallTime starts_at{};
  std::optional<WallTime> ends_at;  // set once resolved
  std::string generator_url;        // link back to kelola (the rule or the query)

  uint64_t Fingerprint() const { return LabelsFingerprint(labels); }
};

// One message to one receiver about one group of alerts.
struct Notification {
  std::string receiver;   // the receiver's name
  std::string group_key;  // stable id of the group, e.g. "{}:{service=\"api\"}"
  LabelSet group_labels;  // the labels the group was formed by
  std::vector<Alert> alerts;
  std::string external_url;  // kelola's base URL, for links
  uint64_t truncated_alerts = 0;

  // firing when any alert in it is firing, else resolved.
  AlertStatus Status() const;
  // Labels/annotations whose name and value are the same on every alert.
  LabelSet CommonLabels() const;
  LabelSet CommonAnnotations() const;
};

// What one delivery attempt came to. A notifier never throws and never
// retries by itself: the alert manager schedules retries from this.
struct NotifyAttempt {
  enum class Kind {
    kDelivered,         // the receiver accepted it
    kRetry,             // transient: timeout, connection refused, 429, 5xx
    kRejected,          // permanent: the receiver refused this message (e.g. 400); do not retry it
    kReceiverDisabled,  // permanent for the receiver (e.g. Slack 410 channel_is_archived)
  };
  Kind kind = Kind::kDelivered;
  int http_status = 0;                  // 0 when no response arrived
  std::optional<Duration> retry_after;  // from Retry-After, when the receiver said
  std::string detail;                   // why, for the notification log; never a secret
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // "slack", "pagerduty", "webhook", "alertmanager".
  virtual std::string_view Kind() const = 0;
  // One attempt, synchronous, bounded by the notifier's timeout.
  virtual NotifyAttempt Send(const Notification& notification) = 0;
};

}  // namespace kelola
