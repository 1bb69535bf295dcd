// Release: one version of a service going out to one Target — a `Release`
// resource (spec: what and why; status: how it went), named
// "<target>-<sequence>" ("web-7"), spec immutable once created.
//
// Lifecycle (ReleaseState): Pending → RollingOut → Succeeded, or
// → Failed (the rollout stopped) → RolledBack (the previous release is back
// everywhere this one got to). A Succeeded release becomes Superseded when a
// later one succeeds. `bad` marks a release that was rolled back (by a
// person or by kelola): a pipeline run of the same commit does not deploy it
// again unless forced.
// Pure values and functions.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

enum class ReleaseState { kPending, kRollingOut, kSucceeded, kFailed, kRolledBack, kSuperseded };
std::string_view ReleaseStateName(ReleaseState state);  // "Pending", "RollingOut", ...
Result<ReleaseState> ParseReleaseState(std::string_view name);

struct ReleaseTrigger {
  std::string kind;  // "cli" | "api" | "pipeline" | "rollback" | "rule"
  std::string by;    // the token's subject, the pipeline, the rule
  std::string run;   // the pipeline run id when kind == pipeline
};

struct ReleaseSpec {
  std::string name;    // "web-7"
  std::string target;  // the Target's name
  std::string image;   // as asked: "127.0.0.1:5000/web:v2"
  // Resolved from the registry before anything changes:
  // "127.0.0.1:5000/web@sha256:...". Strategies deploy this, never the tag.
  std::string image_digest;
  std::string commit;  // the git commit, when known
  ReleaseTrigger trigger;
  std::string previous;     // the release that was live when this one started ("" = first)
  std::string rollback_of;  // set on a rollback release: the release it undoes
  bool force = false;       // deploy even a commit marked bad
};

// Where a rollout is, in the units of its target: hosts (dockerhosts) or
// replicas (kubernetes).
struct ReleaseProgress {
  int total = 0;          // hosts / desired replicas
  int updated = 0;        // running the new version
  int healthy = 0;        // new version, passing health checks / available
  int old_remaining = 0;  // still running the previous version
  std::string phase;      // a few words: "batch 2/3: waiting for web-2 health"
};

struct ReleaseStatus {
  ReleaseState state = ReleaseState::kPending;
  std::string reason;  // why it failed / was rolled back, in words
  ReleaseProgress progress;
  std::optional<WallTime> started_at;
  std::optional<WallTime> finished_at;
  bool bad = false;            // rolled back: not redeployed by a pipeline unless forced
  std::string rolled_back_by;  // the release that undid this one
};

// The spec and status as the resource's JSON (strict decoding: errors name
// the field).
Result<ReleaseSpec> DecodeReleaseSpec(const std::string& name, const std::string& spec_json);
std::string EncodeReleaseSpec(const ReleaseSpec& spec);
Result<ReleaseStatus> DecodeReleaseStatus(const std::string& status_json);
std::string EncodeReleaseStatus(const ReleaseStatus& status);

}  // namespace kelola
