#include "alerting/silence.h"

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using nlohmann::json;

Status FieldError(const std::string& field, const std::string& what) {
  return InvalidArgumentError(field + ": " + what);
}

Result<std::string> OptionalString(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return FieldError(field, "expected a string");
  std::string s = it->get<std::string>();
  if (s.size() > 4096) return FieldError(field, "longer than 4096 bytes");
  return s;
}

Result<LabelMatcher> MatcherFromJson(const json& item, const std::string& field) {
  if (item.is_string()) {
    auto m = ParseMatcher(item.get<std::string>());
    if (!m.ok()) return FieldError(field, m.status().message());
    return m;
  }
  if (!item.is_object()) return FieldError(field, "expected an object {name, value, isRegex, isEqual} or a string");
  for (const auto& [key, value] : item.items()) {
    if (key != "name" && key != "value" && key != "isRegex" && key != "isEqual") {
      return FieldError(field + "." + key, "unknown field (expected name, value, isRegex, isEqual)");
    }
  }
  auto name = item.find("name");
  auto value = item.find("value");
  if (name == item.end() || !name->is_string()) return FieldError(field + ".name", "required, a string");
  if (value == item.end() || !value->is_string()) return FieldError(field + ".value", "required, a string");
  bool is_regex = false, is_equal = true;
  if (auto r = item.find("isRegex"); r != item.end()) {
    if (!r->is_boolean()) return FieldError(field + ".isRegex", "expected true or false");
    is_regex = r->get<bool>();
  }
  if (auto e = item.find("isEqual"); e != item.end()) {
    if (!e->is_boolean()) return FieldError(field + ".isEqual", "expected true or false");
    is_equal = e->get<bool>();
  }
  LabelMatcher::Op op = is_regex ? (is_equal ? LabelMatcher::Op::kRegex : LabelMatcher::Op::kNotRegex)
                                 : (is_equal ? LabelMatcher::Op::kEqual : LabelMatcher::Op::kNotEqual);
  auto m = LabelMatcher::Make(name->get<std::string>(), op, value->get<std::string>());
  if (!m.ok()) return FieldError(field, m.status().message());
  return m;
}

Result<WallTime> TimeField(const json& body, const char* field) {
  auto it = body.find(field);
  if (!it->is_string()) return FieldError(field, "expected an RFC 3339 time as a string");
  auto t = ParseRfc3339(it->get<std::string>());
  if (!t.ok()) return FieldError(field, t.status().message());
  // Stored to the millisecond, so kept to the millisecond from the start.
  return WallTime(std::chrono::floor<std::chrono::milliseconds>(*t));
}

Status CheckSilence(const Silence& s) {
  if (s.matchers.empty()) return FieldError("matchers", "at least one matcher is required");
  bool any_non_empty = false;
  for (const LabelMatcher& m : s.matchers) any_non_empty = any_non_empty || !m.MatchesValue("");
  if (!any_non_empty) {
    return FieldError("matchers", "at least one matcher must not match the empty string (it would silence everything)");
  }
  if (s.ends_at <= s.starts_at) return FieldError("endsAt", "must be after startsAt");
  return OkStatus();
}

// Both the API body and the stored spec.
Result<Silence> SilenceFromJson(std::string_view text, WallTime now, bool stored) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded()) return InvalidArgumentError("body: not valid JSON");
  if (!body.is_object()) return InvalidArgumentError("body: expected a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (key != "matchers" && key != "startsAt" && key != "endsAt" && key != "createdBy" && key != "comment" &&
        key != "id") {
      return FieldError(key, "unknown field (expected matchers, startsAt, endsAt, createdBy, comment)");
    }
  }
  Silence s;
  auto matchers = body.find("matchers");
  if (matchers == body.end() || !matchers->is_array()) return FieldError("matchers", "required, a list");
  if (matchers->size() > 64) return FieldError("matchers", "at most 64 matchers");
  for (size_t i = 0; i < matchers->size(); ++i) {
    KELOLA_ASSIGN_OR_RETURN(LabelMatcher m, MatcherFromJson((*matchers)[i], "matchers[" + std::to_string(i) + "]"));
    s.matchers.push_back(std::move(m));
  }
  s.starts_at = WallTime(std::chrono::floor<std::chrono::milliseconds>(now));
  if (body.contains("startsAt") && !body["startsAt"].is_null()) {
    KELOLA_ASSIGN_OR_RETURN(s.starts_at, TimeField(body, "startsAt"));
  } else if (stored) {
    return FieldError("startsAt", "required");
  }
  if (!body.contains("endsAt") || body["endsAt"].is_null()) return FieldError("endsAt", "required");
  KELOLA_ASSIGN_OR_RETURN(s.ends_at, TimeField(body, "endsAt"));
  KELOLA_ASSIGN_OR_RETURN(s.created_by, OptionalString(body, "createdBy"));
  KELOLA_ASSIGN_OR_RETURN(s.comment, OptionalString(body, "comment"));
  KELOLA_RETURN_IF_ERROR(CheckSilence(s));
  return s;
}

}  // namespace

Silence::State Silence::StateAt(WallTime now) const {
  if (now < starts_at) return State::kPending;
  if (now < ends_at) return State::kActive;
  return State::kExpired;
}

bool Silence::Mutes(const LabelSet& labels, WallTime now) const {
  return StateAt(now) == State::kActive && MatchesAll(matchers, labels);
}

std::string_view SilenceStateName(Silence::State state) {
  switch (state) {
    case Silence::State::kPending: return "pending";
    case Silence::State::kActive: return "active";
    case Silence::State::kExpired: return "expired";
  }
  return "expired";
}

Result<Silence> ParseSilenceBody(std::string_view json_text, WallTime now) {
  return SilenceFromJson(json_text, now, false);
}

std::string SilenceSpecJson(const Silence& silence) {
  json matchers = json::array();
  for (const LabelMatcher& m : silence.matchers) matchers.push_back(m.ToString());
  json spec = {{"matchers", matchers},
               {"startsAt", FormatRfc3339(silence.starts_at)},
               {"endsAt", FormatRfc3339(silence.ends_at)},
               {"createdBy", silence.created_by},
               {"comment", silence.comment}};
  return spec.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Silence> SilenceFromSpecJson(const std::string& id, std::string_view spec_json) {
  auto s = SilenceFromJson(spec_json, WallTime{}, true);
  if (!s.ok()) return s.status().WithContext("Silence/" + id);
  s->id = id;
  return s;
}
}  // namespace kelola
