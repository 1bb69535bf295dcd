#include "alerting/alert_manager.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/logging.h"

namespace kelola {
namespace {

using nlohmann::json;

json LabelsJson(const LabelSet& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

bool IsSubset(const std::set<uint64_t>& sub, const std::set<uint64_t>& super) {
  return std::includes(super.begin(), super.end(), sub.begin(), sub.end());
}

// Alertmanager's DedupStage.needsUpdate.
bool NeedsUpdate(const NotifyLogEntry* entry, const std::set<uint64_t>& firing, const std::set<uint64_t>& resolved,
                 bool send_resolved, Duration repeat, WallTime now) {
  if (entry == nullptr) return !firing.empty();
  if (!IsSubset(firing, entry->firing)) return true;
  // All resolved after firing ones were notified: tell the receiver (or,
  // without send_resolved, at least clear the log entry).
  if (firing.empty()) return !entry->firing.empty();
  if (send_resolved && !IsSubset(resolved, entry->resolved)) return true;
  return entry->notified_at + repeat <= now;
}

std::string_view AttemptKindName(NotifyAttempt::Kind kind) {
  switch (kind) {
    case NotifyAttempt::Kind::kDelivered: return "delivered";
    case NotifyAttempt::Kind::kRetry: return "retry";
    case NotifyAttempt::Kind::kRejected: return "rejected";
    case NotifyAttempt::Kind::kReceiverDisabled: return "receiver-disabled";
  }
  return "retry";
}

}  // namespace

AlertManager::AlertManager(RoutingConfig config, Store& store, Clock& clock, AlertManagerOptions options)
    : config_(std::move(config)), store_(store), clock_(clock), options_(std::move(options)) {}

Status AlertManager::Load() {
  WallTime now = clock_.Now();
  KELOLA_ASSIGN_OR_RETURN(auto logs, ListAllResources(store_, kAlertGroupKind));
  for (const Resource& r : logs) {
    KELOLA_ASSIGN_OR_RETURN(NotifyLogEntry e, NotifyLogFromResource(r));
    nflog_[e.group_key] = std::move(e);
  }
  KELOLA_ASSIGN_OR_RETURN(auto alerts, ListAllResources(store_, kAlertKind));
  for (const Resource& r : alerts) {
    KELOLA_ASSIGN_OR_RETURN(TrackedAlert a, AlertFromResource(r));
    uint64_t fp = a.alert.Fingerprint();
    AlertState state = a.state;
    alerts_[fp] = std::move(a);
    if (state == AlertState::kFiring) {
      InsertIntoGroups(fp, now);
      continue;
    }
    if (state != AlertState::kResolved) continue;
    // A resolve not told yet: some receiver was last told it fires.
    for (const Route* route : MatchRoutes(config_, alerts_[fp].alert.labels)) {
      auto e = nflog_.find(GroupKey(*route, GroupLabels(*route, alerts_[fp].alert.labels)));
      if (e != nflog_.end() && e->second.firing.count(fp)) InsertIntoGroups(fp, now);
    }
  }
  return SyncSilences(now);
}

Status AlertManager::Report(const AlertSignal& signal) {
  if (signal.labels.empty()) return InvalidArgumentError("alert signal: labels: at least one label is required");
  for (const auto& [name, value] : signal.labels) {
    if (!IsLabelName(name)) return InvalidArgumentError("alert signal: label name \"" + name + "\" is invalid");
  }
  WallTime now = clock_.Now();
  uint64_t fp = LabelsFingerprint(signal.labels);
  auto it = alerts_.find(fp);
  bool known = it != alerts_.end() && it->second.state != AlertState::kResolved;
  if (signal.active) {
    if (known) {
      TrackedAlert& a = it->second;
      if (a.alert.annotations == signal.annotations && a.alert.generator_url == signal.generator_url) return OkStatus();
      a.alert.annotations = signal.annotations;
      a.alert.generator_url = signal.generator_url;
      return PutAlert(a, false);
    }
    TrackedAlert a;
    a.alert.labels = signal.labels;
    a.alert.annotations = signal.annotations;
    a.alert.generator_url = signal.generator_url;
    a.active_at = now;
    a.for_duration = signal.for_duration;
    a.state = signal.for_duration > Duration::zero() ? AlertState::kPending : AlertState::kFiring;
    a.alert.status = AlertStatus::kFiring;
    a.alert.starts_at = now;
    alerts_[fp] = a;
    Status put = PutAlert(a, false);
    Status ev = AlertEvent(a.state == AlertState::kPending ? "alert.pending" : "alert.firing", a);
    if (a.state == AlertState::kFiring) InsertIntoGroups(fp, now);
    return put.ok() ? ev : put;
  }
  if (!known) return OkStatus();
  TrackedAlert& a = it->second;
  if (a.state == AlertState::kPending) {
    TrackedAlert gone = a;
    alerts_.erase(it);
    Status del = store_.DeleteResource(kAlertKind, FingerprintHex(fp), DeleteOptions{std::nullopt, options_.actor, {}});
    Status ev = AlertEvent("alert.inactive", gone);
    return del.ok() || del.code() == StatusCode::kNotFound ? ev : del;
  }
  a.state = AlertState::kResolved;
  a.alert.status = AlertStatus::kResolved;
  a.alert.ends_at = now;
  Status put = PutAlert(a, false);
  Status ev = AlertEvent("alert.resolved", a);
  return put.ok() ? ev : put;
}

void AlertManager::InsertIntoGroups(uint64_t fp, WallTime now) {
  const TrackedAlert& a = alerts_.at(fp);
  for (const Route* route : MatchRoutes(config_, a.alert.labels)) {
    LabelSet labels = GroupLabels(*route, a.alert.labels);
    std::string key = GroupKey(*route, labels);
    auto [it, created] = groups_.try_emplace(key);
    Group& g = it->second;
    if (created) {
      g.route = route;
      g.key = key;
      g.labels = std::move(labels);
      g.next_flush = now + route->group_wait;
    }
    // As Alertmanager: an alert older than group_wait flushes a group that
    // has not flushed yet at once (after a restart, say).
    if (!g.has_flushed) g.next_flush = std::min(g.next_flush, std::max(now, a.alert.starts_at + route->group_wait));
    g.alerts.insert(fp);
  }
}

Status AlertManager::PromotePending(WallTime now) {
  Status first;
  for (auto& [fp, a] : alerts_) {
    if (a.state != AlertState::kPending || now < a.active_at + a.for_duration) continue;
    a.state = AlertState::kFiring;
    a.alert.starts_at = now;
    Status put = PutAlert(a, false);
    Status ev = AlertEvent("alert.firing", a);
    if (first.ok()) first = put.ok() ? ev : put;
    InsertIntoGroups(fp, now);
  }
  return first;
}

Status AlertManager::SyncSilences(WallTime now) {
  KELOLA_ASSIGN_OR_RETURN(auto resources, ListAllResources(store_, kSilenceKind));
  std::map<std::string, Silence> silences;
  Status first;
  for (const Resource& r : resources) {
    auto s = SilenceFromResource(r);
    if (!s.ok()) continue;  // written around the API; skipped rather than trusted
    json status = json::parse(r.status_json, nullptr, false);
    std::string stored = status.is_object() ? status.value("state", "") : "";
    std::string state(SilenceStateName(s->StateAt(now)));
    if (state != stored) {
      // The clock moved it on (pending -> active -> expired): record it.
      Resource update = SilenceToResource(*s, now);
      update.resource_version = r.resource_version;
      PutOptions po;
      po.status_only = true;
      po.actor = options_.actor;
      po.expected_resource_version = r.resource_version;
      auto put = store_.PutResource(update, po);
      if (put.ok() && state == "expired") {
        Status ev = Emit("alert.silence.expired", "Silence/" + r.name,
                         json{{"id", r.name}, {"matchers", FormatMatchers(s->matchers)}}.dump(
                             -1, ' ', false, json::error_handler_t::replace));
        if (first.ok()) first = ev;
      } else if (!put.ok() && put.status().code() != StatusCode::kAborted && first.ok()) {
        first = put.status();
      }
    }
    if (state == "expired" && s->ends_at + options_.expired_silence_retention <= now) {
      Status del = store_.DeleteResource(kSilenceKind, r.name, DeleteOptions{std::nullopt, options_.actor, {}});
      if (!del.ok() && del.code() != StatusCode::kNotFound && first.ok()) first = del;
      continue;
    }
    silences.emplace(r.name, std::move(*s));
  }
  silences_ = std::move(silences);
  return first;
}

Status AlertManager::UpdateMuting(WallTime now) {
  // The firing alerts each rule's source side matches, found once.
  std::vector<std::vector<const TrackedAlert*>> sources(config_.inhibit_rules.size());
  for (size_t i = 0; i < config_.inhibit_rules.size(); ++i) {
    for (const auto& [fp, a] : alerts_) {
      if (a.state == AlertState::kFiring && MatchesAll(config_.inhibit_rules[i].source, a.alert.labels)) {
        sources[i].push_back(&a);
      }
    }
  }
  Status first;
  for (auto& [fp, a] : alerts_) {
    std::vector<std::string> silenced, inhibited;
    if (a.state == AlertState::kFiring) {
      for (const auto& [id, s] : silences_) {
        if (s.Mutes(a.alert.labels, now)) silenced.push_back(id);
      }
      for (size_t i = 0; i < config_.inhibit_rules.size(); ++i) {
        if (!MatchesAll(config_.inhibit_rules[i].target, a.alert.labels)) continue;
        for (const TrackedAlert* source : sources[i]) {
          if (source == &a) continue;
          if (Inhibits(config_.inhibit_rules[i], source->alert.labels, a.alert.labels)) {
            inhibited.push_back(FingerprintHex(source->alert.Fingerprint()));
          }
        }
      }
      std::sort(inhibited.begin(), inhibited.end());
      inhibited.erase(std::unique(inhibited.begin(), inhibited.end()), inhibited.end());
    }
    if (silenced == a.silenced_by && inhibited == a.inhibited_by) continue;
    a.silenced_by = std::move(silenced);
    a.inhibited_by = std::move(inhibited);
    Status put = PutAlert(a, true);
    if (first.ok()) first = put;
  }
  return first;
}

std::optional<AlertManager::Delivery> AlertManager::Flush(Group& g, WallTime now) {
  std::set<uint64_t> firing, resolved;
  for (uint64_t fp : g.alerts) {
    auto it = alerts_.find(fp);
    if (it == alerts_.end()) continue;
    const TrackedAlert& a = it->second;
    if (a.state == AlertState::kFiring && a.silenced_by.empty() && a.inhibited_by.empty()) firing.insert(fp);
    if (a.state == AlertState::kResolved) {
      bool muted = false;
      for (const auto& [id, s] : silences_) muted = muted || s.Mutes(a.alert.labels, now);
      if (!muted) resolved.insert(fp);
    }
  }
  auto entry = nflog_.find(g.key);
  const NotifyLogEntry* e = entry == nflog_.end() ? nullptr : &entry->second;
  if (!NeedsUpdate(e, firing, resolved, g.route->send_resolved, g.route->repeat_interval, now)) {
    std::set<uint64_t> done;
    for (uint64_t fp : g.alerts) {
      auto it = alerts_.find(fp);
      if (it == alerts_.end() || it->second.state == AlertState::kResolved) done.insert(fp);
    }
    DropResolved(g.key, done);
    return std::nullopt;
  }
  Delivery d;
  d.group_key = g.key;
  d.firing = firing;
  d.resolved = resolved;
  Notification& n = d.notification;
  n.receiver = g.route->receiver;
  n.group_key = g.key;
  n.group_labels = g.labels;
  n.external_url = config_.external_url;
  for (uint64_t fp : firing) n.alerts.push_back(alerts_.at(fp).alert);
  if (g.route->send_resolved) {
    for (uint64_t fp : resolved) n.alerts.push_back(alerts_.at(fp).alert);
  }
  return d;
}

Status AlertManager::Process(const std::map<std::string, Notifier*>& receivers) {
  WallTime now = clock_.Now();
  Status first = PromotePending(now);
  auto keep = [&first](Status s) {
    if (first.ok() && !s.ok()) first = std::move(s);
  };
  keep(SyncSilences(now));
  keep(UpdateMuting(now));
  std::vector<std::string> due;
  for (const auto& [key, g] : groups_) {
    if (g.next_flush <= now || (g.retry_at && *g.retry_at <= now)) due.push_back(key);
  }
  for (const std::string& key : due) {
    auto it = groups_.find(key);
    if (it == groups_.end()) continue;
    Group& g = it->second;
    if (g.next_flush <= now) {
      g.next_flush = now + g.route->group_interval;
      g.has_flushed = true;
    }
    // The receiver asked for a pause (Retry-After, backoff): the retry is
    // the next attempt, not this flush.
    if (g.retry_at && *g.retry_at > now) continue;
    g.retry_at.reset();
    if (disabled_.count(g.route->receiver)) continue;
    std::optional<Delivery> d = Flush(g, now);
    if (d) keep(Deliver(*d, receivers, now));
  }
  keep(CollectGarbage(now));
  return first;
}

Status AlertManager::Deliver(Delivery& d, const std::map<std::string, Notifier*>& receivers, WallTime now) {
  const std::string& receiver = d.notification.receiver;
  Group* g = groups_.count(d.group_key) ? &groups_.at(d.group_key) : nullptr;
  NotifyAttempt attempt;
  bool sent = false;
  if (d.notification.alerts.empty()) {
    // Everything resolved but the route does not send resolves: nothing to
    // send, but the log must forget the firing alerts (as Alertmanager).
    attempt.detail = "all resolved; send_resolved is off";
  } else if (auto r = receivers.find(receiver); r == receivers.end() || r->second == nullptr) {
    attempt.kind = NotifyAttempt::Kind::kRejected;
    attempt.detail = "receiver \"" + receiver + "\" is not configured";
  } else if (Status leads = store_.ConfirmLeadership(); !leads.ok()) {
    // A paused former leader: the new one owns this group now.
    return leads;
  } else {
    attempt = r->second->Send(d.notification);
    sent = true;
  }
  json alerts = json::array();
  for (uint64_t fp : d.firing) alerts.push_back(FingerprintHex(fp));
  json resolved = json::array();
  for (uint64_t fp : d.resolved) resolved.push_back(FingerprintHex(fp));
  json data = {{"receiver", receiver},
               {"groupKey", d.group_key},
               {"groupLabels", LabelsJson(d.notification.group_labels)},
               {"status", AlertStatusName(d.notification.Status())},
               {"firingAlerts", alerts},
               {"resolvedAlerts", resolved},
               {"outcome", AttemptKindName(attempt.kind)},
               {"httpStatus", attempt.http_status},
               {"detail", attempt.detail},
               {"sent", sent},
               {"attempt", g ? g->failures + 1 : 1}};
  bool delivered = attempt.kind == NotifyAttempt::Kind::kDelivered;
  if (!delivered && attempt.retry_after) {
    data["retryAfterMillis"] = std::chrono::duration_cast<std::chrono::milliseconds>(*attempt.retry_after).count();
  }
  if (!delivered) {
    LogWarn("alerting: notification not delivered", {{"receiver", receiver},
                                                     {"group", d.group_key},
                                                     {"outcome", std::string(AttemptKindName(attempt.kind))},
                                                     {"http_status", std::to_string(attempt.http_status)},
                                                     {"detail", attempt.detail}});
  }
  std::string subject = std::string(kAlertGroupKind) + "/" + AlertGroupName(d.group_key);
  Status first = Emit(delivered ? "alert.notification.sent" : "alert.notification.failed", subject,
                      data.dump(-1, ' ', false, json::error_handler_t::replace));
  auto keep = [&first](Status s) {
    if (first.ok() && !s.ok()) first = std::move(s);
  };
  switch (attempt.kind) {
    case NotifyAttempt::Kind::kDelivered: {
      NotifyLogEntry& e = nflog_[d.group_key];
      e.receiver = receiver;
      e.group_key = d.group_key;
      e.group_labels = d.notification.group_labels;
      e.firing = d.firing;
      e.resolved = d.resolved;
      e.notified_at = now;
      if (g) g->failures = 0;
      if (e.firing.empty()) {
        Status del = store_.DeleteResource(kAlertGroupKind, AlertGroupName(d.group_key),
                                           DeleteOptions{std::nullopt, options_.actor, {}});
        if (del.code() != StatusCode::kNotFound) keep(del);
        nflog_.erase(d.group_key);
      } else {
        PutOptions po;
        po.actor = options_.actor;
        keep(store_.PutResource(NotifyLogToResource(e), po).status());
      }
      std::set<uint64_t> done;
      if (g) {
        for (uint64_t fp : g->alerts) {
          auto it = alerts_.find(fp);
          if (it == alerts_.end() || it->second.state == AlertState::kResolved) done.insert(fp);
        }
      }
      DropResolved(d.group_key, done);
      break;
    }
    case NotifyAttempt::Kind::kRetry: {
      if (!g) break;
      ++g->failures;
      Duration delay = options_.min_backoff;
      for (int i = 1; i < g->failures && delay < options_.max_backoff; ++i) delay *= 2;
      delay = std::min(delay, options_.max_backoff);
      if (attempt.retry_after) delay = std::clamp(*attempt.retry_after, options_.min_backoff, options_.max_retry_after);
      g->retry_at = now + delay;
      break;
    }
    case NotifyAttempt::Kind::kRejected:
      if (g) g->failures = 0;
      break;
    case NotifyAttempt::Kind::kReceiverDisabled:
      if (disabled_.insert(receiver).second) {
        keep(Emit("alert.receiver.disabled", "receiver/" + receiver,
                  json{{"receiver", receiver}, {"httpStatus", attempt.http_status}, {"detail", attempt.detail}}.dump(
                      -1, ' ', false, json::error_handler_t::replace)));
      }
      break;
  }
  return first;
}

void AlertManager::DropResolved(const std::string& group_key, const std::set<uint64_t>& fps) {
  auto it = groups_.find(group_key);
  if (it == groups_.end()) return;
  for (uint64_t fp : fps) it->second.alerts.erase(fp);
  if (it->second.alerts.empty()) groups_.erase(it);
}

Status AlertManager::CollectGarbage(WallTime now) {
  std::set<uint64_t> grouped;
  for (const auto& [key, g] : groups_) grouped.insert(g.alerts.begin(), g.alerts.end());
  Status first;
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    const TrackedAlert& a = it->second;
    if (a.state == AlertState::kResolved && !grouped.count(it->first) && a.alert.ends_at &&
        *a.alert.ends_at + options_.resolved_retention <= now) {
      Status del =
          store_.DeleteResource(kAlertKind, FingerprintHex(it->first), DeleteOptions{std::nullopt, options_.actor, {}});
      if (!del.ok() && del.code() != StatusCode::kNotFound && first.ok()) first = del;
      it = alerts_.erase(it);
      continue;
    }
    ++it;
  }
  return first;
}

std::optional<WallTime> AlertManager::NextWakeup() const {
  std::optional<WallTime> next;
  auto consider = [&next](WallTime t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [fp, a] : alerts_) {
    if (a.state == AlertState::kPending) consider(a.active_at + a.for_duration);
  }
  for (const auto& [key, g] : groups_) {
    consider(g.next_flush);
    if (g.retry_at) consider(*g.retry_at);
  }
  WallTime now = clock_.Now();
  for (const auto& [id, s] : silences_) {
    if (s.starts_at > now) consider(s.starts_at);
    if (s.ends_at > now) consider(s.ends_at);
  }
  return next;
}

std::vector<TrackedAlert> AlertManager::Alerts() const {
  std::vector<TrackedAlert> out;
  for (const auto& [fp, a] : alerts_) out.push_back(a);
  return out;
}

Status AlertManager::PutAlert(const TrackedAlert& alert, bool status_only) {
  PutOptions po;
  po.actor = options_.actor;
  po.status_only = status_only;
  return store_.PutResource(AlertToResource(alert), po).status();
}

Status AlertManager::AlertEvent(const std::string& type, const TrackedAlert& a) {
  json data = {{"fingerprint", FingerprintHex(a.alert.Fingerprint())},
               {"labels", LabelsJson(a.alert.labels)},
               {"state", AlertStateName(a.state)}};
  if (a.state != AlertState::kPending) data["startsAt"] = FormatRfc3339(a.alert.starts_at);
  if (a.alert.ends_at) data["endsAt"] = FormatRfc3339(*a.alert.ends_at);
  return Emit(type, std::string(kAlertKind) + "/" + FingerprintHex(a.alert.Fingerprint()),
              data.dump(-1, ' ', false, json::error_handler_t::replace));
}

Status AlertManager::Emit(const std::string& type, const std::string& subject, const std::string& data_json) {
  kelola::Event e;
  e.type = type;
  e.subject = subject;
  e.actor = options_.actor;
  e.data_json = data_json;
  return store_.AppendEvent(e).status();
}

}  // namespace kelola
