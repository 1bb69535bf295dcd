#include "autoscale/autoscaler_controller.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "autoscale/group_observation.h"
#include "autoscale/scaling_status.h"
#include "base/logging.h"
#include "fleet/fleet_host.h"
#include "fleet/group_controller.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr int kMaxGroupCount = 1000;  // ServerGroup spec.count's upper bound
constexpr int kWriteAttempts = 5;

struct StoredPolicy {
  Resource resource;
  ScalingPolicySpec spec;
  PolicyScalingStatus status;
};

bool IsDeleting(const Resource& group) {
  auto it = group.labels.find(kFleetDeletingLabel);
  return it != group.labels.end() && it->second == "true";
}

// spec.count as the fleet reads it (default 1).
int GroupCount(const Resource& group) {
  json spec = json::parse(group.spec_json, nullptr, false);
  if (!spec.is_object()) return 1;
  auto it = spec.find("count");
  if (it == spec.end() || !it->is_number_integer()) return 1;
  return it->get<int>();
}

Duration Until(WallTime from, WallTime to) { return to > from ? to - from : Duration::zero(); }

}  // namespace

AutoscalerController::AutoscalerController(Store& store, AutoscalerOptions options)
    : store_(store), options_(std::move(options)) {}

Result<ReconcileResult> AutoscalerController::Reconcile(const std::string& key) {
  KELOLA_ASSIGN_OR_RETURN(ResourceKeyParts parts, ParseResourceKey(key));
  if (parts.kind == "ScalingPolicy") return ReconcilePolicy(parts.name);
  if (parts.kind == "ServerGroup") return ReconcileGroup(parts.name);
  return ReconcileResult{};
}

Status AutoscalerController::EnsureIndexed() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (indexed_) return OkStatus();
  }
  ListOptions o;
  o.kind = "ScalingPolicy";
  KELOLA_ASSIGN_OR_RETURN(std::vector<Resource> all, ListAll(store_, o));
  std::lock_guard<std::mutex> lock(mu_);
  for (const Resource& r : all) {
    json spec = json::parse(r.spec_json, nullptr, false);
    if (spec.is_object() && spec.contains("group") && spec["group"].is_string()) {
      policy_group_[r.name] = spec["group"].get<std::string>();
    }
  }
  indexed_ = true;
  return OkStatus();
}

Result<ReconcileResult> AutoscalerController::ReconcilePolicy(const std::string& name) {
  auto r = store_.GetResource("ScalingPolicy", name);
  std::lock_guard<std::mutex> lock(mu_);
  if (!r.ok()) {
    if (r.status().code() != StatusCode::kNotFound) return r.status();
    policy_group_.erase(name);
    return ReconcileResult{};
  }
  json spec = json::parse(r->spec_json, nullptr, false);
  if (spec.is_object() && spec.contains("group") && spec["group"].is_string()) {
    policy_group_[name] = spec["group"].get<std::string>();
  } else {
    policy_group_.erase(name);
  }
  return ReconcileResult{};
}

Result<ReconcileResult> AutoscalerController::ReconcileGroup(const std::string& name) {
  const ReconcileResult again{options_.interval};
  KELOLA_RETURN_IF_ERROR(EnsureIndexed());
  auto group = store_.GetResource("ServerGroup", name);
  if (!group.ok()) {
    if (group.status().code() == StatusCode::kNotFound) return ReconcileResult{};
    return group.status();
  }
  if (IsDeleting(*group)) return ReconcileResult{};

  // 1. The group's policies.
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [policy, g] : policy_group_) {
      if (g == name) names.push_back(policy);
    }
  }
  std::vector<StoredPolicy> policies;
  for (const std::string& p : names) {
    auto r = store_.GetResource("ScalingPolicy", p);
    if (!r.ok()) {
      if (r.status().code() != StatusCode::kNotFound) return r.status();
      std::lock_guard<std::mutex> lock(mu_);
      policy_group_.erase(p);
      continue;
    }
    auto spec = DecodeScalingPolicySpec(p, r->spec_json);
    if (!spec.ok()) {
      LogWarn("scaling policy is invalid; not evaluated", {{"policy", p}, {"error", spec.status().message()}});
      continue;
    }
    if (spec->group != name) {
      std::lock_guard<std::mutex> lock(mu_);
      policy_group_[p] = spec->group;
      continue;
    }
    PolicyScalingStatus status = DecodePolicyScalingStatus(r->status_json);
    policies.push_back({std::move(*r), std::move(*spec), std::move(status)});
  }
  if (policies.empty()) return again;

  // 2. The pace and the memory, from the status.
  const WallTime now = options_.clock->Now();
  const StoredPolicy* latest = nullptr;
  for (const auto& p : policies) {
    if (p.status.last_evaluation && (!latest || *p.status.last_evaluation > *latest->status.last_evaluation)) {
      latest = &p;
    }
  }
  if (latest && now < *latest->status.last_evaluation + options_.interval) {
    return ReconcileResult{Until(now, *latest->status.last_evaluation + options_.interval)};
  }
  ScalingHistory history;
  for (const auto& p : policies) {
    if (!p.status.recommendations.empty()) history.recommendations[p.spec.name] = p.status.recommendations;
  }
  if (latest) {
    history.scale_up = latest->status.scale_up;
    history.scale_down = latest->status.scale_down;
  }
  const std::string previous_signature = latest ? latest->status.signature : "";

  // 3. Observe, read, decide.
  const int current = GroupCount(*group);
  KELOLA_ASSIGN_OR_RETURN(GroupObservation observed, ObserveGroupInStore(store_, name, current));
  std::vector<ScalingPolicySpec> specs;
  specs.reserve(policies.size());
  for (const auto& p : policies) specs.push_back(p.spec);
  const std::vector<MetricReading> readings = ReadPolicyMetrics(*options_.reader, specs, observed);
  ScalingDecision decision = Decide(specs, observed, readings, now, history);

  // 4. Act.
  DecisionOutcome outcome;
  outcome.dry_run =
      options_.dry_run || std::any_of(specs.begin(), specs.end(), [](const auto& s) { return s.dry_run; });
  int target = decision.desired;
  if (target > kMaxGroupCount) {
    target = kMaxGroupCount;
    outcome.error = "capped at " + std::to_string(kMaxGroupCount) + ", a ServerGroup's largest count";
  }
  if (target != current && !outcome.dry_run) {
    Resource g = *group;
    for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
      if (GroupCount(g) != current) {
        outcome.error = "the group's count changed to " + std::to_string(GroupCount(g)) +
                        " during the evaluation; decided again next interval";
        break;
      }
      json spec = json::parse(g.spec_json, nullptr, false);
      if (!spec.is_object()) spec = json::object();
      spec["count"] = target;
      g.spec_json = spec.dump();
      PutOptions o;
      o.expected_resource_version = g.resource_version;
      o.actor = kAutoscalerActor;
      auto put = store_.PutResource(g, o);
      if (put.ok()) {
        outcome.acted = true;
        break;
      }
      if (put.status().code() != StatusCode::kAborted) return put.status();  // retried by the engine
      auto again_read = store_.GetResource("ServerGroup", name);
      if (!again_read.ok()) return again_read.status();
      g = std::move(*again_read);
    }
    if (!outcome.acted && outcome.error.empty()) outcome.error = "the group kept changing; decided again next interval";
    if (outcome.acted) history.RecordScale(now, current, target);
  }

  // 5. Events.
  const std::string decision_json = EncodeDecision(decision, observed, readings, outcome);
  const std::string signature = DecisionSignature(decision, outcome);
  if (outcome.acted || signature != previous_signature) {
    Event e;
    e.type = outcome.acted ? "scale.action" : "scale.decision";
    e.subject = "ServerGroup/" + name;
    e.actor = kAutoscalerActor;
    e.data_json = decision_json;
    if (auto appended = store_.AppendEvent(e); !appended.ok()) {
      LogWarn("autoscaler event not recorded", {{"group", name}, {"error", appended.status().message()}});
    }
  }
  if (outcome.acted) {
    LogInfo("autoscaler scaled a group",
            {{"group", name}, {"from", std::to_string(current)}, {"to", std::to_string(target)}});
  }

  // 6. The memory, in every policy's status.
  for (auto& p : policies) {
    PolicyScalingStatus s;
    s.last_evaluation = now;
    if (auto it = history.recommendations.find(p.spec.name); it != history.recommendations.end()) {
      s.recommendations = it->second;
    }
    s.scale_up = history.scale_up;
    s.scale_down = history.scale_down;
    s.last_decision_json = decision_json;
    s.signature = signature;
    Resource r = p.resource;
    r.status_json = EncodePolicyScalingStatus(s);
    for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
      PutOptions o;
      o.status_only = true;
      o.expected_resource_version = r.resource_version;
      o.actor = kAutoscalerActor;
      auto put = store_.PutResource(r, o);
      if (put.ok()) break;
      if (put.status().code() != StatusCode::kAborted) return put.status();
      auto fresh = store_.GetResource("ScalingPolicy", p.spec.name);
      if (!fresh.ok()) break;  // deleted meanwhile: nothing to remember it in
      r.resource_version = fresh->resource_version;
    }
  }
  return again;
}

Status RegisterAutoscalerController(ControllerManager& manager, AutoscalerOptions options, int workers) {
  if (options.clock == nullptr || options.reader == nullptr) {
    return InvalidArgumentError("autoscaler: clock and reader are required");
  }
  if (options.interval < std::chrono::seconds(1)) {
    return InvalidArgumentError("autoscaler: the interval must be at least 1s");
  }
  ControllerOptions c;
  c.name = kAutoscalerControllerName;
  c.kinds = {"ServerGroup", "ScalingPolicy"};
  c.workers = workers;
  c.resync_period = std::chrono::minutes(1);
  c.make_reconciler = [options](Store& store) -> std::shared_ptr<Reconciler> {
    return std::make_shared<AutoscalerController>(store, options);
  };
  return manager.Register(std::move(c));
}

}  // namespace kelola
