// Release requests: the one way a Release comes to exist — a deploy of an
// image to a Target, or a rollback to an earlier release — shared by the
// API (POST /v1/targets/{name}/deploy|rollback), the CLI through it, and a
// pipeline's deploy step. Also the stored releases of a target, newest
// first, and which one is live.
//
// Release resources: kind "Release", name "<target>-<n>" (n counts up per
// target from 1), label kelola.io/target=<target>, spec as release.h, status
// written by the release controller only. A new release starts Pending; the
// release controller (release_controller.h) takes it from there.
//
// Rules:
// - the Target must exist (NotFound) and the image must be a plausible
//   reference (InvalidArgument naming "image");
// - a deploy of a commit (or, without a commit, of the same image text)
//   whose earlier release of this target is marked bad is refused with
//   Aborted naming that release, unless `force`;
// - a rollback goes to the named release, or by default to the newest one
//   before the live one that went live and is not bad; it must have gone
//   live once (FailedPrecondition otherwise) and may not be the live one.
// Every new release appends "deploy.release.requested" (subject
// "Release/<name>", data with target, image, commit, trigger).
//
// Thread-safety: functions over a thread-safe Store; concurrent requests for
// one target get distinct names (create-if-absent, retried).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "deploy/release.h"
#include "store/store.h"

namespace kelola {

inline constexpr const char* kTargetKind = "Target";
inline constexpr const char* kReleaseKind = "Release";
inline constexpr const char* kReleaseTargetLabel = "kelola.io/target";
// Set (value "true") on a Release to cancel it: a Pending one never starts,
// a RollingOut one stops and is rolled back (not marked bad).
inline constexpr const char* kReleaseCancelLabel = "kelola.io/cancel";

struct StoredRelease {
  Resource resource;
  ReleaseSpec spec;
  ReleaseStatus status;
  int64_t sequence = 0;  // n of "<target>-<n>"
};

// Decodes a Release resource; InvalidArgument naming "Release/<name>".
Result<StoredRelease> DecodeStoredRelease(const Resource& resource);
// The target's releases, newest (highest n) first. Documents that do not
// decode are skipped with a warning.
Result<std::vector<StoredRelease>> ListTargetReleases(Store& store, const std::string& target);
// The newest Succeeded release, or nullptr.
const StoredRelease* FindLiveRelease(const std::vector<StoredRelease>& releases);
// True for a release that served all units once: Succeeded, or Superseded after starting.
bool WentLive(const StoredRelease& release);

struct DeployRequest {
  std::string target;
  std::string image;
  std::string commit;  // "" = unknown
  bool force = false;
  ReleaseTrigger trigger;
  // Already known by digest ("repo@sha256:..."; a pipeline that just pushed
  // it): the release controller does not ask the registry again.
  std::string image_digest;
};

struct RollbackRequest {
  std::string target;
  std::string release;  // "" = the release before the live one
  ReleaseTrigger trigger;
};

Result<StoredRelease> RequestDeploy(Store& store, const DeployRequest& request, const std::string& actor);
Result<StoredRelease> RequestRollback(Store& store, const RollbackRequest& request, const std::string& actor);
// Labels the release kelola.io/cancel=true. FailedPrecondition when it has
// already finished.
Result<StoredRelease> RequestCancel(Store& store, const std::string& release, const std::string& actor);

// Appends a deploy event ("deploy.release.started", ...) about a release:
// subject "Release/<name>", data {"target", "release", ...extra}.
void AppendReleaseEvent(Store& store, const std::string& type, const ReleaseSpec& release, const std::string& actor,
                        const std::string& extra_json_object = "{}");

}  // namespace kelola
