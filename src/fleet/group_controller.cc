#include "fleet/group_controller.h"

#include <map>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/logging.h"
#include "fleet/fleet_host.h"
#include "fleet/group_planner.h"
#include "fleet/server_group.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr const char* kActor = "controller/fleet-groups";
constexpr const char* kRegionLabel = "kelola.io/region";

json ParseObject(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  return doc.is_object() ? doc : json::object();
}

bool Permanent(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kUnauthenticated ||
         s.code() == StatusCode::kPermissionDenied || s.code() == StatusCode::kFailedPrecondition;
}

}  // namespace

// The work of one reconcile of one group.
class GroupController::Pass {
 public:
  Pass(Store& store, const GroupControllerOptions& options, Resource group)
      : store_(store), options_(options), group_(std::move(group)), status_(ParseObject(group_.status_json)) {}

  Result<ReconcileResult> Run() {
    auto spec = DecodeServerGroupSpec(group_.name, group_.spec_json);
    if (!spec.ok()) return Invalid(spec.status().message());
    spec_ = *spec;
    auto provider = options_.providers->Get(spec_.provider);
    if (!provider.ok()) return Invalid("spec.provider: " + provider.status().message());
    provider_ = *provider;
    if (Status v = provider_->Validate(spec_); !v.ok()) return Invalid(v.message());
    const bool destroying = group_.labels.count(kFleetDeletingLabel) && group_.labels.at(kFleetDeletingLabel) == "true";

    KELOLA_ASSIGN_OR_RETURN(std::vector<Resource> host_resources, ListHosts());
    auto observed = provider_->List(spec_);
    if (!observed.ok()) return ProviderError("listing instances", observed.status());

    PlanInput in;
    in.spec = spec_;
    in.hosts = FleetHostViews(host_resources);
    in.observed = *observed;
    in.destroying = destroying;
    in.now = options_.clock->Now();
    ReadGroupStatusIntoPlan(status_.dump(), in);
    for (const Resource& r : host_resources) hosts_[r.name] = r;

    const GroupPlan plan = PlanGroup(in);
    if (!plan.empty()) {
      LogInfo("fleet group plan", {{"group", group_.name}, {"plan", RenderPlan(group_.name, plan)}});
    }
    Status st = Execute(plan, in);
    if (!st.ok()) {
      if (Permanent(st)) return ProviderError("applying the plan", st);
      return st;
    }
    if (deleted_) return ReconcileResult{};
    return WriteStatus(plan, in.recent_replacements);
  }

 private:
  Result<ReconcileResult> Invalid(const std::string& reason) {
    KELOLA_RETURN_IF_ERROR(SetPhase("Invalid", reason));
    return ReconcileResult{};  // fixed by a new spec, which enqueues the group again
  }

  Result<ReconcileResult> ProviderError(const std::string& doing, const Status& s) {
    const std::string reason = spec_.provider + " provider, " + doing + ": " + s.ToString();
    KELOLA_RETURN_IF_ERROR(SetPhase("Error", reason));
    if (Permanent(s)) return ReconcileResult{options_.provider_error_requeue};
    return s;  // retried with backoff
  }

  Status SetPhase(const std::string& phase, const std::string& reason) {
    const bool changed = status_.value("phase", "") != phase || status_.value("reason", "") != reason;
    status_["phase"] = phase;
    status_["reason"] = reason;
    status_["observedGeneration"] = group_.generation;
    KELOLA_RETURN_IF_ERROR(PutGroupStatus());
    if (changed) Event("fleet.group." + Lower(phase), "ServerGroup/" + group_.name, reason);
    return OkStatus();
  }

  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  void Event(const std::string& type, const std::string& subject, const std::string& reason) {
    kelola::Event e;
    e.type = type;
    e.subject = subject;
    e.actor = kActor;
    e.data_json = json{{"group", group_.name}, {"reason", reason}}.dump();
    if (auto r = store_.AppendEvent(e); !r.ok())
      LogWarn("fleet event not recorded", {{"type", type}, {"error", r.status().ToString()}});
  }

  Status PutGroupStatus() {
    Resource r = group_;
    r.status_json = status_.dump();
    PutOptions o;
    o.status_only = true;
    o.expected_resource_version = group_.resource_version;
    o.actor = kActor;
    KELOLA_ASSIGN_OR_RETURN(group_, store_.PutResource(r, o));
    return OkStatus();
  }

  Result<std::vector<Resource>> ListHosts() {
    std::vector<Resource> out;
    ListOptions o;
    o.kind = "Host";
    o.selector = {{kFleetGroupLabel, LabelRequirement::Op::kEquals, {group_.name}}};
    for (;;) {
      KELOLA_ASSIGN_OR_RETURN(ListResult page, store_.ListResources(o));
      for (Resource& r : page.items) out.push_back(std::move(r));
      if (page.next_after.empty()) return out;
      o.after_name = page.next_after;
    }
  }

  Status PutHostStatus(const std::string& name, const FleetHostStatus& s) {
    Resource r = hosts_.at(name);
    r.status_json = EncodeFleetHostStatus(s);
    PutOptions o;
    o.status_only = true;
    o.expected_resource_version = r.resource_version;
    o.actor = kActor;
    KELOLA_ASSIGN_OR_RETURN(hosts_[name], store_.PutResource(r, o));
    return OkStatus();
  }

  FleetHostStatus StatusOf(const std::string& name) {
    auto s = DecodeFleetHostStatus(hosts_.at(name).status_json);
    return s.ok() ? *s : FleetHostStatus{};
  }

  Status Transition(const std::string& name, FleetHostStatus s, HostState to, const std::string& reason) {
    s.state = to;
    s.reason = reason;
    s.since = options_.clock->Now();
    KELOLA_RETURN_IF_ERROR(PutHostStatus(name, s));
    Event("fleet.host." + Lower(std::string(HostStateName(to))), "Host/" + name, reason);
    return OkStatus();
  }

  Status CreateHost(const std::string& name, FleetHostStatus s, const std::string& reason) {
    Resource r;
    r.kind = "Host";
    r.name = name;
    r.labels = spec_.labels;
    r.labels[kFleetGroupLabel] = group_.name;
    r.labels[kFleetProviderLabel] = spec_.provider;
    if (!spec_.region.empty()) r.labels[kRegionLabel] = spec_.region;
    r.spec_json = "{}";
    s.group = group_.name;
    s.provider = spec_.provider;
    s.since = options_.clock->Now();
    s.reason = reason;
    r.status_json = EncodeFleetHostStatus(s);
    PutOptions o;
    o.expected_resource_version = 0;  // never overwrite a Host of the same name
    o.actor = kActor;
    auto put = store_.PutResource(r, o);
    if (!put.ok()) return put.status().WithContext("creating Host " + name);
    hosts_[name] = *put;
    Event("fleet.host." + Lower(std::string(HostStateName(s.state))), "Host/" + name, reason);
    return OkStatus();
  }

  Status NewHost(const std::string& name, const std::string& reason) {
    FleetHostStatus s;
    s.state = HostState::kRequested;
    s.image = spec_.image;
    s.size = spec_.size;
    s.client_token = options_.make_client_token();
    KELOLA_RETURN_IF_ERROR(CreateHost(name, s, reason));
    to_launch_.push_back(name);
    return OkStatus();
  }

  Status EnsureNetwork() {
    KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
    auto net = provider_->EnsureNetwork(spec_);
    if (!net.ok()) return net.status().WithContext("creating the network");
    status_["network"] = net->ids;
    status_["networkKey"] = GroupNetworkKey(spec_);
    network_ = *net;
    return PutGroupStatus();
  }

  Status LaunchRequested() {
    if (to_launch_.empty()) return OkStatus();
    std::vector<LaunchSpec> specs;
    for (const std::string& name : to_launch_) specs.push_back({name, StatusOf(name).client_token});
    KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
    auto launched = provider_->Launch(spec_, network_, specs);
    if (!launched.ok()) return launched.status().WithContext("launching " + std::to_string(specs.size()) + " hosts");
    for (const ProviderInstance& i : *launched) {
      if (!hosts_.count(i.host_name)) continue;
      FleetHostStatus s = StatusOf(i.host_name);
      if (s.state != HostState::kRequested) continue;
      s.provider_id = i.provider_id;
      s.address = i.address;
      s.launched_at = i.launched_at != WallTime{} ? i.launched_at : options_.clock->Now();
      if (!i.image.empty()) s.image = i.image;
      KELOLA_RETURN_IF_ERROR(Transition(i.host_name, s, HostState::kLaunching, "launched as " + i.provider_id));
    }
    return OkStatus();
  }

  // Drain, terminate, forget — each step committed before the next.
  Status RemoveHosts(const std::vector<std::pair<std::string, std::string>>& hosts) {
    std::vector<std::string> ids;
    for (const auto& [name, reason] : hosts) {
      FleetHostStatus s = StatusOf(name);
      if (s.state != HostState::kDraining && s.state != HostState::kTerminating) {
        KELOLA_RETURN_IF_ERROR(Transition(name, s, HostState::kDraining, reason));
      }
      if (!s.provider_id.empty()) ids.push_back(s.provider_id);
    }
    for (const auto& [name, reason] : hosts) {
      FleetHostStatus s = StatusOf(name);
      if (s.state != HostState::kTerminating) {
        KELOLA_RETURN_IF_ERROR(Transition(name, s, HostState::kTerminating, reason));
      }
    }
    if (!ids.empty()) {
      KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
      KELOLA_RETURN_IF_ERROR(provider_->Terminate(spec_, ids).WithContext("terminating"));
    }
    for (const auto& [name, reason] : hosts) {
      DeleteOptions o;
      o.actor = kActor;
      Status d = store_.DeleteResource("Host", name, o);
      if (!d.ok() && d.code() != StatusCode::kNotFound) return d;
      hosts_.erase(name);
      Event("fleet.host.terminated", "Host/" + name, reason);
    }
    return OkStatus();
  }

  Status Execute(const GroupPlan& plan, PlanInput& in) {
    using K = PlanAction::Kind;
    if (status_.contains("network")) {
      for (auto it = status_["network"].begin(); it != status_["network"].end(); ++it) {
        if (it->is_string()) network_.ids[it.key()] = it->get<std::string>();
      }
    }
    std::vector<std::pair<std::string, std::string>> removals;
    std::vector<std::string> orphan_ids;
    bool delete_network = false;
    for (const PlanAction& a : plan.actions) {
      switch (a.kind) {
        case K::kCreateNetwork: KELOLA_RETURN_IF_ERROR(EnsureNetwork()); break;
        case K::kCreate: KELOLA_RETURN_IF_ERROR(NewHost(a.host, a.reason)); break;
        case K::kLaunch: to_launch_.push_back(a.host); break;
        case K::kReplace:
          KELOLA_RETURN_IF_ERROR(NewHost(a.host, "replaces " + a.replaces + ": " + a.reason));
          removals.emplace_back(a.replaces, "replaced by " + a.host + ": " + a.reason);
          if (a.reason.rfind("Failed", 0) == 0) in.recent_replacements.push_back(options_.clock->Now());
          break;
        case K::kRemove: removals.emplace_back(a.host, a.reason); break;
        case K::kMarkFailed:
          KELOLA_RETURN_IF_ERROR(Transition(a.host, StatusOf(a.host), HostState::kFailed, a.reason));
          break;
        case K::kAdopt: {
          FleetHostStatus s;
          s.state = HostState::kLaunching;
          s.provider_id = a.provider_id;
          s.image = spec_.image;
          s.size = spec_.size;
          s.launched_at = options_.clock->Now();
          KELOLA_RETURN_IF_ERROR(CreateHost(a.host, s, "adopted " + a.provider_id + ": " + a.reason));
          break;
        }
        case K::kTerminateOrphan: orphan_ids.push_back(a.provider_id); break;
        case K::kDeleteNetwork: delete_network = true; break;
      }
    }
    if (in.destroying) KELOLA_RETURN_IF_ERROR(SetPhase("Destroying", "destroy requested"));
    KELOLA_RETURN_IF_ERROR(LaunchRequested());
    KELOLA_RETURN_IF_ERROR(RemoveHosts(removals));
    if (!orphan_ids.empty()) {
      KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
      KELOLA_RETURN_IF_ERROR(provider_->Terminate(spec_, orphan_ids).WithContext("terminating orphans"));
      for (const std::string& id : orphan_ids) Event("fleet.instance.terminated", "ServerGroup/" + group_.name, id);
    }
    if (in.destroying) {
      if (delete_network || status_.contains("network")) {
        KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
        KELOLA_RETURN_IF_ERROR(provider_->DeleteNetwork(spec_).WithContext("deleting the network"));
      }
      DeleteOptions o;
      o.actor = kActor;
      Status d = store_.DeleteResource("ServerGroup", group_.name, o);
      if (!d.ok() && d.code() != StatusCode::kNotFound) return d;
      Event("fleet.group.destroyed", "ServerGroup/" + group_.name, "every host, instance and the network removed");
      deleted_ = true;
    }
    return OkStatus();
  }

  Result<ReconcileResult> WriteStatus(const GroupPlan& plan, const std::vector<WallTime>& replacements) {
    std::map<std::string, int> by_state;
    int ready = 0;
    for (const auto& [name, r] : hosts_) {
      FleetHostStatus s = StatusOf(name);
      ++by_state[std::string(HostStateName(s.state))];
      if (s.state == HostState::kReady) ++ready;
    }
    json recent = json::array();
    for (WallTime t : replacements) {
      if (options_.clock->Now() - t < std::chrono::hours(1)) recent.push_back(FormatRfc3339(t));
    }
    status_["desired"] = spec_.count;
    status_["ready"] = ready;
    status_["hosts"] = by_state;
    status_["recentReplacements"] = recent;
    status_["replacementsHeld"] = plan.replacements_held;
    if (!plan.empty()) status_["lastPlan"] = RenderPlan(group_.name, plan);
    const bool converged = ready == spec_.count && static_cast<int>(hosts_.size()) == spec_.count && plan.empty();
    std::string reason = converged ? "all " + std::to_string(ready) + " hosts Ready"
                                   : std::to_string(ready) + " of " + std::to_string(spec_.count) + " hosts Ready";
    if (plan.replacements_held > 0) reason += "; self-healing budget spent";
    KELOLA_RETURN_IF_ERROR(SetPhase(converged ? "Ready" : "Converging", reason));
    return ReconcileResult{converged ? options_.steady_requeue : options_.converging_requeue};
  }

  Store& store_;
  const GroupControllerOptions& options_;
  Resource group_;
  json status_;
  ServerGroupSpec spec_;
  std::shared_ptr<FleetProvider> provider_;
  GroupNetwork network_;
  std::map<std::string, Resource> hosts_;
  std::vector<std::string> to_launch_;
  bool deleted_ = false;
};

GroupController::GroupController(Store& store, GroupControllerOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.make_client_token) {
    options_.make_client_token = [] {
      auto t = RandomToken(12);
      return t.ok() ? *t : std::string();
    };
  }
}

Result<ReconcileResult> GroupController::Reconcile(const std::string& key) {
  KELOLA_ASSIGN_OR_RETURN(ResourceKeyParts parts, ParseResourceKey(key));
  if (parts.kind == "Host") {
    auto host = store_.GetResource("Host", parts.name);
    if (!host.ok() || !IsFleetHost(*host)) return ReconcileResult{};
    return ReconcileGroup(host->labels.at(kFleetGroupLabel));
  }
  if (parts.kind != "ServerGroup") return ReconcileResult{};
  return ReconcileGroup(parts.name);
}

Result<ReconcileResult> GroupController::ReconcileGroup(const std::string& name) {
  auto group = store_.GetResource("ServerGroup", name);
  if (!group.ok()) {
    if (group.status().code() != StatusCode::kNotFound) return group.status();
    KELOLA_RETURN_IF_ERROR(CleanUpHostsOfMissingGroup(name));
    return ReconcileResult{};
  }
  Pass pass(store_, options_, *group);
  return pass.Run();
}

// The group's resource is gone without a destroy (deleted straight from the
// store): terminate what its Hosts name, with what they recorded.
Status GroupController::CleanUpHostsOfMissingGroup(const std::string& name) {
  ListOptions o;
  o.kind = "Host";
  o.selector = {{kFleetGroupLabel, LabelRequirement::Op::kEquals, {name}}};
  KELOLA_ASSIGN_OR_RETURN(ListResult hosts, store_.ListResources(o));
  for (const Resource& h : hosts.items) {
    auto s = DecodeFleetHostStatus(h.status_json);
    if (s.ok() && !s->provider_id.empty()) {
      auto provider = options_.providers->Get(s->provider);
      if (!provider.ok()) return provider.status();
      ServerGroupSpec spec;
      spec.name = name;
      spec.provider = s->provider;
      if (h.labels.count(kRegionLabel)) spec.region = h.labels.at(kRegionLabel);
      KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
      KELOLA_RETURN_IF_ERROR((*provider)->Terminate(spec, {s->provider_id}));
    }
    DeleteOptions d;
    d.actor = kActor;
    Status st = store_.DeleteResource("Host", h.name, d);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    LogWarn("fleet host of a deleted group terminated", {{"host", h.name}, {"group", name}});
  }
  return OkStatus();
}

Status RegisterGroupController(ControllerManager& manager, GroupControllerOptions options, int workers) {
  ControllerOptions c;
  c.name = kFleetGroupControllerName;
  c.kinds = {"ServerGroup", "Host"};
  c.workers = workers;
  c.resync_period = std::chrono::minutes(1);
  c.make_reconciler = [options](Store& store) -> std::shared_ptr<Reconciler> {
    return std::make_shared<GroupController>(store, options);
  };
  return manager.Register(std::move(c));
}

}  // namespace kelola
