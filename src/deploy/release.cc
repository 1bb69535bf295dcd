#include "deploy/release.h"

#include <array>

#include <nlohmann/json.hpp>

#include "deploy/json_fields.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using deploy_internal::JsonFields;

constexpr std::array<std::pair<ReleaseState, const char*>, 6> kStates = {{
    {ReleaseState::kPending, "Pending"},
    {ReleaseState::kRollingOut, "RollingOut"},
    {ReleaseState::kSucceeded, "Succeeded"},
    {ReleaseState::kFailed, "Failed"},
    {ReleaseState::kRolledBack, "RolledBack"},
    {ReleaseState::kSuperseded, "Superseded"},
}};

constexpr size_t kMaxText = 4096;
constexpr int kMaxUnits = 1'000'000;

}  // namespace

std::string_view ReleaseStateName(ReleaseState state) {
  for (const auto& [s, name] : kStates) {
    if (s == state) return name;
  }
  return "Pending";
}

Result<ReleaseState> ParseReleaseState(std::string_view name) {
  for (const auto& [s, n] : kStates) {
    if (name == n) return s;
  }
  return InvalidArgumentError("\"" + std::string(name) +
                              "\" is not a release state (Pending, RollingOut, Succeeded, Failed, RolledBack, "
                              "Superseded)");
}

Result<ReleaseSpec> DecodeReleaseSpec(const std::string& name, const std::string& spec_json) {
  KELOLA_ASSIGN_OR_RETURN(json doc, deploy_internal::ParseObject(spec_json, "spec"));
  JsonFields f(doc, "spec");
  KELOLA_RETURN_IF_ERROR(
      f.CheckKeys({"target", "image", "imageDigest", "commit", "trigger", "previous", "rollbackOf", "force"}));
  ReleaseSpec r;
  r.name = name;
  KELOLA_ASSIGN_OR_RETURN(r.target, f.RequiredText("target", 253));
  KELOLA_ASSIGN_OR_RETURN(r.image, f.RequiredText("image", 1024));
  KELOLA_ASSIGN_OR_RETURN(r.image_digest, f.Text("imageDigest", "", 1024));
  if (!r.image_digest.empty() && r.image_digest.find("@sha256:") == std::string::npos) {
    return InvalidArgumentError("spec.imageDigest: \"" + r.image_digest + "\" is not a reference by digest (@sha256:)");
  }
  KELOLA_ASSIGN_OR_RETURN(r.commit, f.Text("commit", "", 255));
  KELOLA_ASSIGN_OR_RETURN(r.previous, f.Text("previous", "", 253));
  KELOLA_ASSIGN_OR_RETURN(r.rollback_of, f.Text("rollbackOf", "", 253));
  KELOLA_ASSIGN_OR_RETURN(r.force, f.Bool("force", false));
  if (f.Has("trigger")) {
    JsonFields t(f.At("trigger"), "spec.trigger");
    KELOLA_RETURN_IF_ERROR(t.CheckKeys({"kind", "by", "run"}));
    KELOLA_ASSIGN_OR_RETURN(r.trigger.kind, t.Text("kind", "", 32));
    if (!r.trigger.kind.empty() && r.trigger.kind != "cli" && r.trigger.kind != "api" && r.trigger.kind != "pipeline" &&
        r.trigger.kind != "rollback" && r.trigger.kind != "rule") {
      return InvalidArgumentError("spec.trigger.kind: \"" + r.trigger.kind +
                                  "\" is not cli, api, pipeline, rollback or rule");
    }
    KELOLA_ASSIGN_OR_RETURN(r.trigger.by, t.Text("by", "", 255));
    KELOLA_ASSIGN_OR_RETURN(r.trigger.run, t.Text("run", "", 255));
  }
  return r;
}

std::string EncodeReleaseSpec(const ReleaseSpec& spec) {
  json doc = {{"target", spec.target}, {"image", spec.image}};
  if (!spec.image_digest.empty()) doc["imageDigest"] = spec.image_digest;
  if (!spec.commit.empty()) doc["commit"] = spec.commit;
  json trigger = json::object();
  if (!spec.trigger.kind.empty()) trigger["kind"] = spec.trigger.kind;
  if (!spec.trigger.by.empty()) trigger["by"] = spec.trigger.by;
  if (!spec.trigger.run.empty()) trigger["run"] = spec.trigger.run;
  if (!trigger.empty()) doc["trigger"] = std::move(trigger);
  if (!spec.previous.empty()) doc["previous"] = spec.previous;
  if (!spec.rollback_of.empty()) doc["rollbackOf"] = spec.rollback_of;
  if (spec.force) doc["force"] = true;
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ReleaseStatus> DecodeReleaseStatus(const std::string& status_json) {
  KELOLA_ASSIGN_OR_RETURN(json doc, deploy_internal::ParseObject(status_json, "status"));
  JsonFields f(doc, "status");
  KELOLA_RETURN_IF_ERROR(
      f.CheckKeys({"state", "reason", "progress", "startedAt", "finishedAt", "bad", "rolledBackBy"}));
  ReleaseStatus s;
  KELOLA_ASSIGN_OR_RETURN(std::string state, f.Text("state", "Pending", 32));
  auto parsed = ParseReleaseState(state);
  if (!parsed.ok()) return InvalidArgumentError("status.state: " + parsed.status().message());
  s.state = *parsed;
  KELOLA_ASSIGN_OR_RETURN(s.reason, f.Text("reason", "", kMaxText));
  if (f.Has("progress")) {
    JsonFields p(f.At("progress"), "status.progress");
    KELOLA_RETURN_IF_ERROR(p.CheckKeys({"total", "updated", "healthy", "oldRemaining", "phase"}));
    KELOLA_ASSIGN_OR_RETURN(s.progress.total, p.Int("total", 0, 0, kMaxUnits));
    KELOLA_ASSIGN_OR_RETURN(s.progress.updated, p.Int("updated", 0, 0, kMaxUnits));
    KELOLA_ASSIGN_OR_RETURN(s.progress.healthy, p.Int("healthy", 0, 0, kMaxUnits));
    KELOLA_ASSIGN_OR_RETURN(s.progress.old_remaining, p.Int("oldRemaining", 0, 0, kMaxUnits));
    KELOLA_ASSIGN_OR_RETURN(s.progress.phase, p.Text("phase", "", kMaxText));
  }
  KELOLA_ASSIGN_OR_RETURN(s.started_at, f.Time("startedAt"));
  KELOLA_ASSIGN_OR_RETURN(s.finished_at, f.Time("finishedAt"));
  KELOLA_ASSIGN_OR_RETURN(s.bad, f.Bool("bad", false));
  KELOLA_ASSIGN_OR_RETURN(s.rolled_back_by, f.Text("rolledBackBy", "", 253));
  return s;
}

std::string EncodeReleaseStatus(const ReleaseStatus& status) {
  json doc = {{"state", std::string(ReleaseStateName(status.state))},
              {"progress",
               {{"total", status.progress.total},
                {"updated", status.progress.updated},
                {"healthy", status.progress.healthy},
                {"oldRemaining", status.progress.old_remaining},
                {"phase", status.progress.phase}}}};
  if (!status.reason.empty()) doc["reason"] = status.reason;
  if (status.started_at) doc["startedAt"] = FormatRfc3339(*status.started_at);
  if (status.finished_at) doc["finishedAt"] = FormatRfc3339(*status.finished_at);
  if (status.bad) doc["bad"] = true;
  if (!status.rolled_back_by.empty()) doc["rolledBackBy"] = status.rolled_back_by;
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kelola
