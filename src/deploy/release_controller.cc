#include "deploy/release_controller.h"

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "deploy/release_requests.h"
#include "fleet/fleet_host.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr const char* kActor = "controller/deploy-releases";
constexpr int kWriteAttempts = 8;

bool Cancelled(const Resource& r) {
  auto it = r.labels.find(kReleaseCancelLabel);
  return it != r.labels.end() && it->second == "true";
}

std::string SelectorText(const std::map<std::string, std::string>& selector) {
  std::string out;
  for (const auto& [k, v] : selector) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

}  // namespace

// One release's execution, from Pending (or an interrupted RollingOut) to its end.
class ReleaseController::Run {
 public:
  Run(Store& store, const ReleaseControllerOptions& options, StoredRelease release)
      : store_(store), options_(options), r_(std::move(release)) {}

  // Runs a Pending release.
  Status Start(const StoredRelease* live) {
    if (Cancelled(r_.resource)) return Finish(ReleaseState::kFailed, "cancelled before it started", false, "cancelled");
    r_.status.state = ReleaseState::kRollingOut;
    r_.status.started_at = options_.clock->Now();
    r_.status.progress.phase = "preparing";
    KELOLA_RETURN_IF_ERROR(WriteStatus());
    AppendReleaseEvent(store_, "deploy.release.started", r_.spec, kActor,
                       json{{"image", r_.spec.image}, {"previous", live ? live->spec.name : ""}}.dump());
    // The release live now is what a failure goes back to.
    const std::string previous = live ? live->spec.name : "";
    if (r_.spec.previous != previous) {
      r_.spec.previous = previous;
      KELOLA_RETURN_IF_ERROR(WriteSpec());
    }
    if (!r_.spec.rollback_of.empty()) MarkUndone();
    if (r_.spec.image_digest.empty()) {
      auto digest = options_.images->ResolveDigest(r_.spec.image);
      if (!digest.ok()) return Finish(ReleaseState::kFailed, digest.status().message(), false, "failed");
      r_.spec.image_digest = *digest;
      KELOLA_RETURN_IF_ERROR(WriteSpec());
    }
    if (Status s = Prepare(); !s.ok()) return Finish(ReleaseState::kFailed, s.message(), false, "failed");
    RolloutContext ctx = Context();
    RolloutOutcome outcome;
    Status rolled = strategy_->Rollout(ctx, outcome);
    if (rolled.ok()) return Succeed();
    if (Stopping()) return Interrupted("the server stopped during the rollout");
    const bool cancelled = rolled.code() == StatusCode::kCancelled && CancelRequested();
    const std::string why = cancelled ? "cancelled during the rollout" : rolled.message();
    AppendReleaseEvent(store_, cancelled ? "deploy.release.cancelled" : "deploy.release.failed", r_.spec, kActor,
                       json{{"reason", why}}.dump());
    return RollBackAfter(ctx, outcome, why, /*bad=*/!cancelled);
  }

  // Ends a release found RollingOut with no one running it.
  Status Recover() {
    const std::string why = "interrupted: the server running the rollout stopped";
    AppendReleaseEvent(store_, "deploy.release.interrupted", r_.spec, kActor, json{{"reason", why}}.dump());
    if (r_.spec.previous.empty()) {
      return Finish(ReleaseState::kFailed, why + "; there is no previous release to go back to", false, "failed");
    }
    if (Status s = Prepare(); !s.ok()) {
      return Finish(ReleaseState::kFailed, why + "; cannot roll back: " + s.message(), false, "failed");
    }
    RolloutContext ctx = Context();
    return RollBackAfter(ctx, RolloutOutcome{}, why, /*bad=*/false);
  }

 private:
  // Target, strategy, previous release and hosts; nothing outside is touched.
  Status Prepare() {
    auto target = store_.GetResource(kTargetKind, r_.spec.target);
    if (!target.ok()) {
      if (target.status().code() == StatusCode::kNotFound) {
        return NotFoundError("target \"" + r_.spec.target + "\" not found");
      }
      return target.status();
    }
    auto spec = DecodeTargetSpec(r_.spec.target, target->spec_json);
    if (!spec.ok()) return InvalidArgumentError("Target/" + r_.spec.target + ": " + spec.status().message());
    target_ = std::move(*spec);
    strategy_ = options_.strategies ? options_.strategies->Find(target_.kind) : nullptr;
    if (!strategy_) {
      return FailedPreconditionError("no rollout strategy for kind " + std::string(TargetKindName(target_.kind)) +
                                     " on this server");
    }
    if (!r_.spec.previous.empty()) {
      auto prev = store_.GetResource(kReleaseKind, r_.spec.previous);
      if (!prev.ok()) return prev.status().WithContext("reading the previous release " + r_.spec.previous);
      KELOLA_ASSIGN_OR_RETURN(StoredRelease p, DecodeStoredRelease(*prev));
      previous_ = std::move(p.spec);
      has_previous_ = true;
    }
    if (target_.kind == TargetSpec::Kind::kDockerHosts) KELOLA_RETURN_IF_ERROR(FindHosts());
    return OkStatus();
  }

  Status FindHosts() {
    ListOptions o;
    o.kind = "Host";
    for (const auto& [k, v] : target_.dockerhosts.host_selector) {
      o.selector.push_back({k, LabelRequirement::Op::kEquals, {v}});
    }
    std::vector<Resource> usable;
    size_t matching = 0;
    for (;;) {
      KELOLA_ASSIGN_OR_RETURN(ListResult page, store_.ListResources(o));
      for (Resource& h : page.items) {
        ++matching;
        if (IsFleetHost(h)) {
          // A fleet host serves only once Ready; Draining ones are on their way out.
          auto s = DecodeFleetHostStatus(h.status_json);
          if (!s.ok() || s->state != HostState::kReady) continue;
        }
        usable.push_back(std::move(h));
      }
      if (page.next_after.empty()) break;
      o.after_name = page.next_after;
    }
    auto inventory = FleetInventoryFromHosts(usable, options_.known_hosts_path);
    if (!inventory.ok()) return inventory.status();
    if (inventory->hosts.empty()) {
      return NotFoundError("no host matches " + SelectorText(target_.dockerhosts.host_selector) + " (" +
                           std::to_string(matching) + " matching Host resources, none Ready and reachable)");
    }
    inventory_ = std::move(*inventory);
    return OkStatus();
  }

  RolloutContext Context() {
    RolloutContext ctx;
    ctx.target = &target_;
    ctx.release = &r_.spec;
    ctx.previous = has_previous_ ? &previous_ : nullptr;
    ctx.hosts = target_.kind == TargetSpec::Kind::kDockerHosts ? &inventory_ : nullptr;
    ctx.secret = options_.secret;
    ctx.on_progress = [this](const ReleaseProgress& p) { OnProgress(p); };
    ctx.on_event = [this](std::string_view kind, std::string_view unit, std::string_view message) {
      AppendReleaseEvent(store_, std::string(kind), r_.spec, kActor,
                         json{{"unit", std::string(unit)}, {"message", std::string(message)}}.dump());
    };
    ctx.keep_going = [this] { return !Stopping() && !CancelRequested() && store_.ConfirmLeadership().ok(); };
    return ctx;
  }

  void OnProgress(const ReleaseProgress& p) {
    const ReleaseProgress& old = r_.status.progress;
    const bool counts_changed = p.total != old.total || p.updated != old.updated || p.healthy != old.healthy ||
                                p.old_remaining != old.old_remaining;
    r_.status.progress = p;
    const MonoTime now = options_.clock->Monotonic();
    if (!counts_changed && wrote_progress_ && now - last_progress_write_ < options_.progress_interval) return;
    last_progress_write_ = now;
    wrote_progress_ = true;
    if (Status s = WriteStatus(); !s.ok()) {
      LogWarn("release progress not written", {{"release", r_.spec.name}, {"error", s.ToString()}});
    }
  }

  Status Succeed() {
    KELOLA_ASSIGN_OR_RETURN(std::vector<StoredRelease> all, ListTargetReleases(store_, r_.spec.target));
    for (StoredRelease& other : all) {
      if (other.spec.name == r_.spec.name || other.status.state != ReleaseState::kSucceeded) continue;
      const bool undone = other.spec.name == r_.spec.rollback_of;
      KELOLA_RETURN_IF_ERROR(UpdateOther(other.spec.name, [&](ReleaseStatus& s) {
        s.state = undone ? ReleaseState::kRolledBack : ReleaseState::kSuperseded;
        s.reason = (undone ? "rolled back by " : "superseded by ") + r_.spec.name;
        if (!s.finished_at) s.finished_at = options_.clock->Now();
      }));
      AppendReleaseEvent(store_, undone ? "deploy.release.rolled-back" : "deploy.release.superseded", other.spec,
                         kActor, json{{"by", r_.spec.name}}.dump());
    }
    r_.status.progress.phase = "done";
    return Finish(ReleaseState::kSucceeded, "", false, "succeeded");
  }

  Status RollBackAfter(const RolloutContext& ctx, const RolloutOutcome& outcome, const std::string& why, bool bad) {
    if (!has_previous_) {
      return Finish(ReleaseState::kFailed, why + "; no previous release to roll back to", bad, "failed");
    }
    r_.status.progress.phase = "rolling back to " + previous_.name;
    (void)WriteStatus();
    RolloutContext back = ctx;
    // A rollback runs to the end even when cancelled; only a stopping server interrupts it.
    back.keep_going = [this] { return !Stopping() && store_.ConfirmLeadership().ok(); };
    Status undone = strategy_->RollBack(back, outcome);
    if (!undone.ok()) {
      if (Stopping()) return OkStatus();  // left RollingOut: the next leader finishes the rollback
      return Finish(ReleaseState::kFailed, why + "; rollback to " + previous_.name + " failed: " + undone.message(),
                    bad, "failed");
    }
    r_.status.progress.phase = "rolled back to " + previous_.name;
    return Finish(ReleaseState::kRolledBack, why + "; rolled back to " + previous_.name, bad, "rolled-back");
  }

  Status Interrupted(const std::string& why) {
    r_.status.progress.phase = "interrupted: " + why;
    return WriteStatus();  // stays RollingOut; Recover() on the next leader
  }

  Status Finish(ReleaseState state, const std::string& reason, bool bad, const std::string& event) {
    r_.status.state = state;
    r_.status.reason = reason;
    r_.status.bad = r_.status.bad || bad;
    r_.status.finished_at = options_.clock->Now();
    if (!r_.status.started_at) r_.status.started_at = r_.status.finished_at;
    KELOLA_RETURN_IF_ERROR(WriteStatus());
    json data = {{"state", std::string(ReleaseStateName(state))}, {"bad", r_.status.bad}};
    if (!reason.empty()) data["reason"] = reason;
    AppendReleaseEvent(store_, "deploy.release." + event, r_.spec, kActor, data.dump());
    LogInfo("release finished",
            {{"release", r_.spec.name}, {"state", std::string(ReleaseStateName(state))}, {"reason", reason}});
    return OkStatus();
  }

  void MarkUndone() {
    Status s = UpdateOther(r_.spec.rollback_of, [&](ReleaseStatus& st) {
      st.bad = true;
      st.rolled_back_by = r_.spec.name;
    });
    if (!s.ok()) LogWarn("undone release not marked bad", {{"release", r_.spec.rollback_of}, {"error", s.ToString()}});
  }

  Status UpdateOther(const std::string& name, const std::function<void(ReleaseStatus&)>& change) {
    auto res = store_.GetResource(kReleaseKind, name);
    if (!res.ok()) return res.status();
    auto st = DecodeReleaseStatus(res->status_json);
    if (!st.ok()) return st.status();
    change(*st);
    Resource r = *res;
    r.status_json = EncodeReleaseStatus(*st);
    PutOptions o;
    o.status_only = true;
    o.actor = kActor;
    return store_.PutResource(r, o).status();
  }

  Status WriteStatus() {
    Resource r = r_.resource;
    r.status_json = EncodeReleaseStatus(r_.status);
    PutOptions o;
    o.status_only = true;  // the controller is the only status writer; labels may change meanwhile (cancel)
    o.actor = kActor;
    auto stored = store_.PutResource(r, o);
    if (!stored.ok()) return stored.status().WithContext("writing the status of Release/" + r_.spec.name);
    r_.resource = *stored;
    return OkStatus();
  }

  Status WriteSpec() {
    for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
      auto current = store_.GetResource(kReleaseKind, r_.spec.name);
      if (!current.ok()) return current.status();
      Resource r = *current;
      r.spec_json = EncodeReleaseSpec(r_.spec);
      PutOptions o;
      o.expected_resource_version = current->resource_version;
      o.actor = kActor;
      auto stored = store_.PutResource(r, o);
      if (stored.ok()) {
        r_.resource = *stored;
        return OkStatus();
      }
      if (stored.status().code() != StatusCode::kAborted) return stored.status();
    }
    return AbortedError("Release/" + r_.spec.name + " keeps changing");
  }

  bool Stopping() const { return options_.stopping && options_.stopping->load(); }

  bool CancelRequested() {
    auto r = store_.GetResource(kReleaseKind, r_.spec.name);
    return r.ok() && Cancelled(*r);
  }

  Store& store_;
  const ReleaseControllerOptions& options_;
  StoredRelease r_;
  TargetSpec target_;
  RolloutStrategy* strategy_ = nullptr;
  ReleaseSpec previous_;
  bool has_previous_ = false;
  FleetInventory inventory_;
  MonoTime last_progress_write_{};
  bool wrote_progress_ = false;
};

ReleaseController::ReleaseController(Store& store, ReleaseControllerOptions options)
    : store_(store), options_(std::move(options)) {}

Result<ReconcileResult> ReleaseController::Reconcile(const std::string& key) {
  KELOLA_ASSIGN_OR_RETURN(ResourceKeyParts parts, ParseResourceKey(key));
  std::string target = parts.name;
  if (parts.kind == kReleaseKind) {
    auto r = store_.GetResource(kReleaseKind, parts.name);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) return ReconcileResult{};
      return r.status();
    }
    auto it = r->labels.find(kReleaseTargetLabel);
    if (it == r->labels.end()) return ReconcileResult{};  // not made by RequestDeploy: not ours
    target = it->second;
  } else if (parts.kind != kTargetKind) {
    return ReconcileResult{};
  }
  if (!Claim(target)) return ReconcileResult{options_.busy_requeue};
  auto result = ReconcileTarget(target);
  Unclaim(target);
  return result;
}

bool ReleaseController::Claim(const std::string& target) {
  std::lock_guard<std::mutex> l(mu_);
  return busy_.insert(target).second;
}

void ReleaseController::Unclaim(const std::string& target) {
  std::lock_guard<std::mutex> l(mu_);
  busy_.erase(target);
}

Result<ReconcileResult> ReleaseController::ReconcileTarget(const std::string& target) {
  KELOLA_ASSIGN_OR_RETURN(std::vector<StoredRelease> releases, ListTargetReleases(store_, target));
  // Claimed, so a RollingOut release is no one's here: interrupted.
  for (const StoredRelease& r : releases) {
    if (r.status.state != ReleaseState::kRollingOut) continue;
    if (options_.stopping && options_.stopping->load()) return ReconcileResult{};
    KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
    KELOLA_RETURN_IF_ERROR(Run(store_, options_, r).Recover());
    return ReconcileResult{std::chrono::milliseconds(1)};  // then look at the Pending ones
  }
  const StoredRelease* newest_pending = nullptr;
  for (const StoredRelease& r : releases) {
    if (r.status.state != ReleaseState::kPending) continue;
    if (!newest_pending) {
      newest_pending = &r;
      continue;
    }
    // Older waiting requests are superseded by the newest one.
    ReleaseStatus s = r.status;
    s.state = ReleaseState::kSuperseded;
    s.reason = "superseded by " + newest_pending->spec.name + " before it started";
    s.finished_at = options_.clock->Now();
    Resource res = r.resource;
    res.status_json = EncodeReleaseStatus(s);
    PutOptions o;
    o.status_only = true;
    o.actor = kActor;
    KELOLA_RETURN_IF_ERROR(store_.PutResource(res, o).status());
    AppendReleaseEvent(store_, "deploy.release.superseded", r.spec, kActor,
                       json{{"by", newest_pending->spec.name}, {"started", false}}.dump());
  }
  if (!newest_pending) return ReconcileResult{};
  if (options_.stopping && options_.stopping->load()) return ReconcileResult{};
  KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
  KELOLA_RETURN_IF_ERROR(Run(store_, options_, *newest_pending).Start(FindLiveRelease(releases)));
  return ReconcileResult{};
}

Status RegisterReleaseController(ControllerManager& manager, ReleaseControllerOptions options, int workers) {
  if (!options.clock || !options.images) {
    return InvalidArgumentError("release controller: clock and image resolver are required");
  }
  ControllerOptions c;
  c.name = kReleaseControllerName;
  c.kinds = {kReleaseKind, kTargetKind};
  c.workers = workers;
  c.resync_period = std::chrono::minutes(1);
  c.make_reconciler = [options](Store& store) { return std::make_shared<ReleaseController>(store, options); };
  return manager.Register(std::move(c));
}

}  // namespace kelola
