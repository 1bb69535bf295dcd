#include "alerting/alert_records.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using nlohmann::json;

json LabelsJson(const LabelSet& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

Result<LabelSet> LabelsFrom(const json& j, const char* field) {
  LabelSet out;
  if (j.is_null()) return out;
  if (!j.is_object()) return InvalidArgumentError(std::string(field) + ": expected an object");
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) return InvalidArgumentError(std::string(field) + "." + k + ": expected a string");
    out.emplace(k, v.get<std::string>());
  }
  return out;
}

Result<json> ParseObject(const std::string& text, const std::string& what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError(what + ": not a JSON object");
  return j;
}

std::string StringAt(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::optional<WallTime>> TimeAt(const json& j, const char* key) {
  std::string s = StringAt(j, key);
  if (s.empty()) return std::optional<WallTime>();
  KELOLA_ASSIGN_OR_RETURN(WallTime t, ParseRfc3339(s));
  return std::optional<WallTime>(t);
}

std::vector<std::string> StringsAt(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

json FingerprintsJson(const std::set<uint64_t>& fps) {
  json out = json::array();
  for (uint64_t fp : fps) out.push_back(FingerprintHex(fp));
  return out;
}

std::set<uint64_t> FingerprintsAt(const json& j, const char* key) {
  std::set<uint64_t> out;
  for (const std::string& s : StringsAt(j, key)) out.insert(std::strtoull(s.c_str(), nullptr, 16));
  return out;
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
    case AlertState::kResolved: return "resolved";
  }
  return "resolved";
}

Result<AlertState> ParseAlertState(std::string_view name) {
  if (name == "pending") return AlertState::kPending;
  if (name == "firing") return AlertState::kFiring;
  if (name == "resolved") return AlertState::kResolved;
  return InvalidArgumentError("state: expected pending, firing or resolved, got \"" + std::string(name.substr(0, 64)) +
                              "\"");
}

Resource AlertToResource(const TrackedAlert& a) {
  Resource r;
  r.kind = kAlertKind;
  r.name = FingerprintHex(a.alert.Fingerprint());
  json spec = {{"labels", LabelsJson(a.alert.labels)},
               {"annotations", LabelsJson(a.alert.annotations)},
               {"generatorURL", a.alert.generator_url},
               {"forMillis", std::chrono::duration_cast<std::chrono::milliseconds>(a.for_duration).count()}};
  json status = {{"state", AlertStateName(a.state)},
                 {"activeAt", FormatRfc3339(a.active_at)},
                 {"silencedBy", a.silenced_by},
                 {"inhibitedBy", a.inhibited_by}};
  if (a.state != AlertState::kPending) status["startsAt"] = FormatRfc3339(a.alert.starts_at);
  if (a.alert.ends_at) status["endsAt"] = FormatRfc3339(*a.alert.ends_at);
  r.spec_json = spec.dump(-1, ' ', false, json::error_handler_t::replace);
  r.status_json = status.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Result<TrackedAlert> AlertFromResource(const Resource& r) {
  const std::string where = "Alert/" + r.name;
  KELOLA_ASSIGN_OR_RETURN(json spec, ParseObject(r.spec_json, where + " spec"));
  KELOLA_ASSIGN_OR_RETURN(json status, ParseObject(r.status_json, where + " status"));
  TrackedAlert a;
  KELOLA_ASSIGN_OR_RETURN(a.alert.labels, LabelsFrom(spec.value("labels", json()), "labels"));
  KELOLA_ASSIGN_OR_RETURN(a.alert.annotations, LabelsFrom(spec.value("annotations", json()), "annotations"));
  a.alert.generator_url = StringAt(spec, "generatorURL");
  if (auto f = spec.find("forMillis"); f != spec.end() && f->is_number_integer()) {
    a.for_duration = std::chrono::milliseconds(f->get<int64_t>());
  }
  auto state = ParseAlertState(StringAt(status, "state"));
  if (!state.ok()) return state.status().WithContext(where);
  a.state = *state;
  KELOLA_ASSIGN_OR_RETURN(auto active_at, TimeAt(status, "activeAt"));
  KELOLA_ASSIGN_OR_RETURN(auto starts_at, TimeAt(status, "startsAt"));
  KELOLA_ASSIGN_OR_RETURN(a.alert.ends_at, TimeAt(status, "endsAt"));
  a.active_at = active_at.value_or(r.created_at);
  a.alert.starts_at = starts_at.value_or(a.active_at);
  a.alert.status = a.state == AlertState::kResolved ? AlertStatus::kResolved : AlertStatus::kFiring;
  a.silenced_by = StringsAt(status, "silencedBy");
  a.inhibited_by = StringsAt(status, "inhibitedBy");
  return a;
}

std::string AlertGroupName(const std::string& group_key) { return "g-" + FingerprintHex(Fnv1a(group_key)); }

Resource NotifyLogToResource(const NotifyLogEntry& e) {
  Resource r;
  r.kind = kAlertGroupKind;
  r.name = AlertGroupName(e.group_key);
  r.spec_json =
      json{{"receiver", e.receiver}, {"groupKey", e.group_key}, {"groupLabels", LabelsJson(e.group_labels)}}.dump(
          -1, ' ', false, json::error_handler_t::replace);
  r.status_json = json{{"firingAlerts", FingerprintsJson(e.firing)},
                       {"resolvedAlerts", FingerprintsJson(e.resolved)},
                       {"notifiedAt", FormatRfc3339(e.notified_at)}}
                      .dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Result<NotifyLogEntry> NotifyLogFromResource(const Resource& r) {
  const std::string where = "AlertGroup/" + r.name;
  KELOLA_ASSIGN_OR_RETURN(json spec, ParseObject(r.spec_json, where + " spec"));
  KELOLA_ASSIGN_OR_RETURN(json status, ParseObject(r.status_json, where + " status"));
  NotifyLogEntry e;
  e.receiver = StringAt(spec, "receiver");
  e.group_key = StringAt(spec, "groupKey");
  KELOLA_ASSIGN_OR_RETURN(e.group_labels, LabelsFrom(spec.value("groupLabels", json()), "groupLabels"));
  e.firing = FingerprintsAt(status, "firingAlerts");
  e.resolved = FingerprintsAt(status, "resolvedAlerts");
  KELOLA_ASSIGN_OR_RETURN(auto notified, TimeAt(status, "notifiedAt"));
  e.notified_at = notified.value_or(WallTime{});
  if (e.group_key.empty()) return InvalidArgumentError(where + ": spec.groupKey is empty");
  return e;
}

Resource SilenceToResource(const Silence& s, WallTime now) {
  Resource r;
  r.kind = kSilenceKind;
  r.name = s.id;
  r.spec_json = SilenceSpecJson(s);
  r.status_json =
      json{{"state", SilenceStateName(s.StateAt(now))}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Result<Silence> SilenceFromResource(const Resource& r) { return SilenceFromSpecJson(r.name, r.spec_json); }

std::string AlertApiJson(const TrackedAlert& a) {
  json out = {{"fingerprint", FingerprintHex(a.alert.Fingerprint())},
              {"labels", LabelsJson(a.alert.labels)},
              {"annotations", LabelsJson(a.alert.annotations)},
              {"generatorURL", a.alert.generator_url},
              {"state", AlertStateName(a.state)},
              {"activeAt", FormatRfc3339(a.active_at)},
              {"silencedBy", a.silenced_by},
              {"inhibitedBy", a.inhibited_by}};
  out["status"] = {{"state", a.state == AlertState::kFiring && (!a.silenced_by.empty() || !a.inhibited_by.empty())
                                 ? "suppressed"
                                 : (a.state == AlertState::kFiring ? "active" : std::string(AlertStateName(a.state)))},
                   {"silencedBy", a.silenced_by},
                   {"inhibitedBy", a.inhibited_by}};
  if (a.state != AlertState::kPending) out["startsAt"] = FormatRfc3339(a.alert.starts_at);
  if (a.alert.ends_at) out["endsAt"] = FormatRfc3339(*a.alert.ends_at);
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<std::vector<Resource>> ListAllResources(Store& store, const std::string& kind) {
  std::vector<Resource> out;
  ListOptions options;
  options.kind = kind;
  options.limit = 500;
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(ListResult page, store.ListResources(options));
    for (auto& r : page.items) out.push_back(std::move(r));
    if (page.next_after.empty()) break;
    options.after_name = page.next_after;
  }
  return out;
}

}  // namespace kelola
