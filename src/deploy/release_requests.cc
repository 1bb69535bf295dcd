#include "deploy/release_requests.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "deploy/target.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr int kCreateAttempts = 8;

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

Status ValidateImage(const std::string& image) {
  if (image.empty()) return InvalidArgumentError("image: required (\"registry/repository:tag\")");
  if (image.size() > 1024) return InvalidArgumentError("image: longer than 1024 bytes");
  if (image[0] == '-' || image[0] == '/' || image.back() == ':' || image.back() == '/') {
    return InvalidArgumentError("image: " + Quote(image) + " is not an image reference");
  }
  for (char c : image) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || c == '/' || c == ':' || c == '@';
    if (!ok) return InvalidArgumentError("image: " + Quote(image) + " holds a character no image reference has");
  }
  return OkStatus();
}

Status ValidateCommit(const std::string& commit) {
  if (commit.empty()) return OkStatus();
  if (commit.size() < 4 || commit.size() > 64) return InvalidArgumentError("commit: 4 to 64 hex digits");
  for (char c : commit) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return InvalidArgumentError("commit: " + Quote(commit) + " is not a lower-case hex commit id");
    }
  }
  return OkStatus();
}

Status CheckTarget(Store& store, const std::string& target) {
  if (target.empty()) return InvalidArgumentError("target: required");
  if (target.size() > 63) return InvalidArgumentError("target: names longer than 63 characters cannot be deployed");
  auto t = store.GetResource(kTargetKind, target);
  if (!t.ok()) {
    if (t.status().code() == StatusCode::kNotFound) return NotFoundError("target " + Quote(target) + " not found");
    return t.status();
  }
  return OkStatus();
}

int64_t SequenceOf(const std::string& target, const std::string& name) {
  if (name.size() <= target.size() + 1 || name.compare(0, target.size(), target) != 0 || name[target.size()] != '-') {
    return 0;
  }
  int64_t n = 0;
  const char* b = name.data() + target.size() + 1;
  const char* e = name.data() + name.size();
  auto [p, ec] = std::from_chars(b, e, n);
  return ec == std::errc() && p == e && n > 0 ? n : 0;
}

// Stores a new Pending release under the next free "<target>-<n>".
Result<StoredRelease> CreateRelease(Store& store, ReleaseSpec spec, const std::string& actor) {
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    KELOLA_ASSIGN_OR_RETURN(std::vector<StoredRelease> existing, ListTargetReleases(store, spec.target));
    const int64_t next = existing.empty() ? 1 : existing.front().sequence + 1;
    spec.name = spec.target + "-" + std::to_string(next);
    Resource r;
    r.kind = kReleaseKind;
    r.name = spec.name;
    r.labels[kReleaseTargetLabel] = spec.target;
    r.spec_json = EncodeReleaseSpec(spec);
    r.status_json = EncodeReleaseStatus(ReleaseStatus{});
    PutOptions o;
    o.expected_resource_version = 0;
    o.actor = actor;
    auto stored = store.PutResource(r, o);
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kAborted) continue;  // another request took the name
      return stored.status();
    }
    json data = {
        {"image", spec.image}, {"commit", spec.commit}, {"trigger", spec.trigger.kind}, {"by", spec.trigger.by}};
    if (!spec.trigger.run.empty()) data["run"] = spec.trigger.run;
    if (!spec.rollback_of.empty()) data["rollbackOf"] = spec.rollback_of;
    if (!spec.previous.empty()) data["previous"] = spec.previous;
    AppendReleaseEvent(store, "deploy.release.requested", spec, actor, data.dump());
    return DecodeStoredRelease(*stored);
  }
  return AbortedError("target " + Quote(spec.target) + ": too many concurrent releases, try again");
}

}  // namespace

Result<StoredRelease> DecodeStoredRelease(const Resource& resource) {
  StoredRelease out;
  out.resource = resource;
  auto spec = DecodeReleaseSpec(resource.name, resource.spec_json);
  if (!spec.ok()) return InvalidArgumentError("Release/" + resource.name + ": " + spec.status().message());
  out.spec = std::move(*spec);
  auto status = DecodeReleaseStatus(resource.status_json);
  if (!status.ok()) return InvalidArgumentError("Release/" + resource.name + ": " + status.status().message());
  out.status = std::move(*status);
  out.sequence = SequenceOf(out.spec.target, resource.name);
  return out;
}

Result<std::vector<StoredRelease>> ListTargetReleases(Store& store, const std::string& target) {
  std::vector<StoredRelease> out;
  ListOptions o;
  o.kind = kReleaseKind;
  o.selector = {{kReleaseTargetLabel, LabelRequirement::Op::kEquals, {target}}};
  o.limit = 500;
  for (;;) {
    KELOLA_ASSIGN_OR_RETURN(ListResult page, store.ListResources(o));
    for (const Resource& r : page.items) {
      auto decoded = DecodeStoredRelease(r);
      if (!decoded.ok() || decoded->spec.target != target || decoded->sequence == 0) {
        LogWarn("release skipped", {{"release", r.name}, {"error", decoded.status().ToString()}});
        continue;
      }
      out.push_back(std::move(*decoded));
    }
    if (page.next_after.empty()) break;
    o.after_name = page.next_after;
  }
  std::sort(out.begin(), out.end(),
            [](const StoredRelease& a, const StoredRelease& b) { return a.sequence > b.sequence; });
  return out;
}

const StoredRelease* FindLiveRelease(const std::vector<StoredRelease>& releases) {
  for (const StoredRelease& r : releases) {
    if (r.status.state == ReleaseState::kSucceeded) return &r;
  }
  return nullptr;
}

bool WentLive(const StoredRelease& release) {
  return release.status.state == ReleaseState::kSucceeded ||
         (release.status.state == ReleaseState::kSuperseded && release.status.started_at.has_value() &&
          !release.spec.image_digest.empty());
}

Result<StoredRelease> RequestDeploy(Store& store, const DeployRequest& request, const std::string& actor) {
  KELOLA_RETURN_IF_ERROR(ValidateImage(request.image));
  KELOLA_RETURN_IF_ERROR(ValidateCommit(request.commit));
  KELOLA_RETURN_IF_ERROR(CheckTarget(store, request.target));
  KELOLA_ASSIGN_OR_RETURN(std::vector<StoredRelease> releases, ListTargetReleases(store, request.target));
  if (!request.force) {
    for (const StoredRelease& r : releases) {
      if (!r.status.bad) continue;
      const bool same = request.commit.empty() ? r.spec.image == request.image : r.spec.commit == request.commit;
      if (!same) continue;
      const std::string what = request.commit.empty() ? "image " + request.image : "commit " + request.commit;
      return AbortedError(what + " was rolled back as release " + r.spec.name + " (marked bad" +
                          (r.status.reason.empty() ? "" : ": " + r.status.reason) + "); deploy it again with force");
    }
  }
  ReleaseSpec spec;
  spec.target = request.target;
  spec.image = request.image;
  spec.image_digest = request.image_digest;
  if (!spec.image_digest.empty() && spec.image_digest.find("@sha256:") == std::string::npos) {
    return InvalidArgumentError("image digest: \"" + spec.image_digest + "\" is not a reference by digest");
  }
  spec.commit = request.commit;
  spec.force = request.force;
  spec.trigger = request.trigger;
  if (const StoredRelease* live = FindLiveRelease(releases)) spec.previous = live->spec.name;
  return CreateRelease(store, std::move(spec), actor);
}

Result<StoredRelease> RequestRollback(Store& store, const RollbackRequest& request, const std::string& actor) {
  KELOLA_RETURN_IF_ERROR(CheckTarget(store, request.target));
  KELOLA_ASSIGN_OR_RETURN(std::vector<StoredRelease> releases, ListTargetReleases(store, request.target));
  const StoredRelease* live = FindLiveRelease(releases);
  if (!live) return FailedPreconditionError("target " + Quote(request.target) + " has no live release to roll back");
  const StoredRelease* to = nullptr;
  if (!request.release.empty()) {
    for (const StoredRelease& r : releases) {
      if (r.spec.name == request.release) to = &r;
    }
    if (!to) {
      return NotFoundError("release: " + Quote(request.release) + " is not a release of target " +
                           Quote(request.target));
    }
    if (to == live) return FailedPreconditionError("release: " + request.release + " is the live release already");
    if (!WentLive(*to)) {
      return FailedPreconditionError("release: " + request.release + " never went live (it is " +
                                     std::string(ReleaseStateName(to->status.state)) + ")");
    }
  } else {
    for (const StoredRelease& r : releases) {
      if (r.sequence < live->sequence && WentLive(r) && !r.status.bad) {
        to = &r;
        break;
      }
    }
    if (!to) {
      return FailedPreconditionError("target " + Quote(request.target) + ": no release before " + live->spec.name +
                                     " went live; name one to roll back to");
    }
  }
  ReleaseSpec spec;
  spec.target = request.target;
  spec.image = to->spec.image;
  spec.image_digest = to->spec.image_digest;
  spec.commit = to->spec.commit;
  spec.trigger = request.trigger;
  if (spec.trigger.kind.empty()) spec.trigger.kind = "rollback";
  spec.previous = live->spec.name;
  spec.rollback_of = live->spec.name;
  spec.force = true;  // going back to a known version is never refused as bad
  return CreateRelease(store, std::move(spec), actor);
}

Result<StoredRelease> RequestCancel(Store& store, const std::string& release, const std::string& actor) {
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    auto r = store.GetResource(kReleaseKind, release);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) return NotFoundError("release " + Quote(release) + " not found");
      return r.status();
    }
    KELOLA_ASSIGN_OR_RETURN(StoredRelease current, DecodeStoredRelease(*r));
    if (current.status.state != ReleaseState::kPending && current.status.state != ReleaseState::kRollingOut) {
      return FailedPreconditionError("release " + release + " has finished (" +
                                     std::string(ReleaseStateName(current.status.state)) + ")");
    }
    if (r->labels.count(kReleaseCancelLabel)) return current;
    Resource updated = *r;
    updated.labels[kReleaseCancelLabel] = "true";
    PutOptions o;
    o.expected_resource_version = r->resource_version;  // never overwrite the controller's status
    o.actor = actor;
    auto stored = store.PutResource(updated, o);
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kAborted) continue;
      return stored.status();
    }
    AppendReleaseEvent(store, "deploy.release.cancel-requested", current.spec, actor);
    return DecodeStoredRelease(*stored);
  }
  return AbortedError("release " + release + " keeps changing; try again");
}

void AppendReleaseEvent(Store& store, const std::string& type, const ReleaseSpec& release, const std::string& actor,
                        const std::string& extra_json_object) {
  json data = json::parse(extra_json_object, nullptr, false);
  if (!data.is_object()) data = json::object();
  data["target"] = release.target;
  data["release"] = release.name;
  Event e;
  e.type = type;
  e.subject = std::string(kReleaseKind) + "/" + release.name;
  e.actor = actor;
  e.data_json = data.dump(-1, ' ', false, json::error_handler_t::replace);
  if (auto r = store.AppendEvent(e); !r.ok()) {
    LogWarn("deploy event not recorded", {{"type", type}, {"error", r.status().ToString()}});
  }
}

}  // namespace kelola
