// Silence: Alertmanager's silence — matchers, a time window, who made it and
// why. While active (startsAt <= now < endsAt) it mutes every alert its
// matchers all match; expiring it sets endsAt to now.
//
// A silence is stored as a `Silence` resource (name = its id, spec = the
// JSON below); ParseSilenceBody reads the body of `POST /v1/silences`, which
// accepts Alertmanager's API v2 shape so its users' tooling carries over:
//
//   {"matchers": [{"name": "service", "value": "api", "isRegex": false, "isEqual": true}],
//    "startsAt": "2026-11-27T10:00:00Z", "endsAt": "2026-11-27T12:00:00Z",
//    "createdBy": "ana", "comment": "deploy window"}
//
// and, as kelola's shorthand, matchers as strings (`"service=\"api\""`).
// startsAt defaults to now; endsAt is required and after startsAt. As in
// Alertmanager, at least one matcher must not match the empty string (a
// silence of everything is a mistake). Errors are InvalidArgument naming
// the field ("matchers[1].value: ...").
#pragma once

#include <string>
#include <string_view>

#include "alerting/label_matcher.h"
#include "base/clock.h"
#include "base/status.h"

namespace kelola {

struct Silence {
  enum class State { kPending, kActive, kExpired };

  std::string id;
  Matchers matchers;
  WallTime starts_at{};
  WallTime ends_at{};
  std::string created_by;
  std::string comment;

  State StateAt(WallTime now) const;
  // Active at `now` and every matcher matches.
  bool Mutes(const LabelSet& labels, WallTime now) const;
};

std::string_view SilenceStateName(Silence::State state);  // "pending" | "active" | "expired"

// The body of POST /v1/silences (above). `now` fills startsAt when absent.
Result<Silence> ParseSilenceBody(std::string_view json, WallTime now);

// The Silence resource's spec and back.
std::string SilenceSpecJson(const Silence& silence);
Result<Silence> SilenceFromSpecJson(const std::string& id, std::string_view spec_json);

}  // namespace kelola
