// Test doubles for the release controller's seams: FakeRolloutStrategy (a
// scripted RolloutStrategy that records its calls and reports progress and
// events as a real one does) and MapImageResolver (tags to digests from a
// map, NotFound otherwise, worded like the registry-backed resolver).
// Test-only, header-only.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "deploy/image_resolver.h"
#include "deploy/rollout_strategy.h"

namespace kelola {

class FakeRolloutStrategy final : public RolloutStrategy {
 public:
  struct Call {
    std::string release;
    std::string image_digest;
    std::string previous;  // "" when ctx.previous is null
    std::vector<std::string> hosts;
    std::vector<std::string> touched;  // RollBack: what it was given
  };

  // Scripted results.
  Status rollout_result = OkStatus();
  std::vector<std::string> touched_on_failure;
  Status rollback_result = OkStatus();
  // Runs inside Rollout() after the first unit (to cancel, to block).
  std::function<void()> during_rollout;

  Status Rollout(const RolloutContext& ctx, RolloutOutcome& outcome) override {
    Call c = Record(ctx);
    {
      std::lock_guard<std::mutex> l(mu_);
      rollouts.push_back(c);
    }
    const int total = ctx.hosts ? static_cast<int>(ctx.hosts->hosts.size()) : 3;
    ReleaseProgress p{total, 0, 0, total, "batch 1: starting"};
    ctx.on_progress(p);
    const std::string first = c.hosts.empty() ? "replicas" : c.hosts.front();
    ctx.on_event("deploy.host.started", first, "started the new container on " + first);
    p.updated = p.healthy = 1;
    p.old_remaining = total - 1;
    p.phase = "batch 1: " + first + " healthy";
    ctx.on_progress(p);
    ctx.on_event("deploy.host.switched", first, "switched " + first);
    if (during_rollout) during_rollout();
    if (!ctx.keep_going()) {
      outcome.touched = {first};
      return CancelledError("stopped after " + first);
    }
    if (!rollout_result.ok()) {
      outcome.touched = touched_on_failure;
      return rollout_result;
    }
    p = {total, total, total, 0, "all units healthy"};
    ctx.on_progress(p);
    return OkStatus();
  }

  Status RollBack(const RolloutContext& ctx, const RolloutOutcome& outcome) override {
    Call c = Record(ctx);
    c.touched = outcome.touched;
    std::lock_guard<std::mutex> l(mu_);
    rollbacks.push_back(c);
    return rollback_result;
  }

  std::vector<Call> rollouts;
  std::vector<Call> rollbacks;

 private:
  static Call Record(const RolloutContext& ctx) {
    Call c;
    c.release = ctx.release->name;
    c.image_digest = ctx.release->image_digest;
    c.previous = ctx.previous ? ctx.previous->name : "";
    if (ctx.hosts) {
      for (const FleetHost& h : ctx.hosts->hosts) c.hosts.push_back(h.name);
    }
    return c;
  }
  std::mutex mu_;
};

class MapImageResolver final : public ImageResolver {
 public:
  std::map<std::string, std::string> digests;  // "127.0.0.1:5000/web:v1" -> "...@sha256:..."
  int calls = 0;
  Result<std::string> ResolveDigest(const std::string& image) override {
    ++calls;
    auto it = digests.find(image);
    if (it == digests.end()) return NotFoundError("image " + image + " not found in registry 127.0.0.1:5000");
    return it->second;
  }
};

}  // namespace kelola
