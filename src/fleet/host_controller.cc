// HostController: the per-host state machine of host_controller.h.
#include "fleet/host_controller.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "base/logging.h"

namespace kelola {

using nlohmann::json;

namespace {

constexpr const char* kActor = "fleet-host-controller";

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string HumanDuration(Duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

Duration Until(WallTime then, WallTime now) { return then > now ? then - now : Duration::zero(); }

ReconcileResult After(Duration d) {
  ReconcileResult r;
  r.requeue_after = std::max(d, Duration(std::chrono::milliseconds(1)));
  return r;
}

}  // namespace

struct HostController::Context {
  std::string key;
  Resource host;
  FleetHostStatus status;
  ServerGroupSpec group;
  std::shared_ptr<FleetProvider> provider;
  WallTime now{};
};

HostController::HostController(Store& store, HostControllerDeps deps)
    : store_(store), deps_(std::move(deps)), clock_(deps_.clock != nullptr ? *deps_.clock : SystemClock()) {}

Result<ReconcileResult> HostController::Reconcile(const std::string& key) {
  KELOLA_ASSIGN_OR_RETURN(ResourceKeyParts parts, ParseResourceKey(key));
  if (parts.kind != "Host") return ReconcileResult{};
  auto host = store_.GetResource("Host", parts.name);
  if (!host.ok() && host.status().code() == StatusCode::kNotFound) {
    ForgetHost(key);
    return ReconcileResult{};
  }
  if (!host.ok()) return host.status();
  if (!IsFleetHost(*host)) return ReconcileResult{};

  Context c;
  c.key = key;
  c.host = std::move(*host);
  auto status = DecodeFleetHostStatus(c.host.status_json);
  if (!status.ok()) {
    // The group controller writes this status; a malformed one is its to fix.
    LogWarn("fleet host status does not decode", {{"host", key}, {"error", status.status().ToString()}});
    return ReconcileResult{};
  }
  c.status = std::move(*status);
  switch (c.status.state) {
    case HostState::kLaunching:
    case HostState::kBooted:
    case HostState::kBootstrapping:
    case HostState::kReady: break;
    default: ForgetHost(key); return ReconcileResult{};
  }

  const std::string group_name = c.host.labels.at(kFleetGroupLabel);
  auto group = store_.GetResource("ServerGroup", group_name);
  if (!group.ok() && group.status().code() == StatusCode::kNotFound) {
    // The group is being deleted: its controller tears the hosts down.
    return ReconcileResult{};
  }
  if (!group.ok()) return group.status();
  auto spec = DecodeServerGroupSpec(group_name, group->spec_json);
  if (!spec.ok()) return spec.status().WithContext("ServerGroup/" + group_name);
  c.group = std::move(*spec);
  if (deps_.providers == nullptr) return FailedPreconditionError("the host controller has no provider registry");
  KELOLA_ASSIGN_OR_RETURN(c.provider, deps_.providers->Get(c.group.provider));
  c.now = clock_.Now();

  switch (c.status.state) {
    case HostState::kLaunching: return Launching(c);
    case HostState::kBooted: return Booted(c);
    case HostState::kBootstrapping: return Bootstrapping(c);
    case HostState::kReady: return Ready(c);
    default: return ReconcileResult{};
  }
}

Result<ReconcileResult> HostController::Launching(Context& c) {
  // The group controller sets provider_id once Launch returned; its write
  // wakes this controller again.
  if (c.status.provider_id.empty()) return ReconcileResult{};
  auto instance = c.provider->Describe(c.group, c.status.provider_id);
  if (!instance.ok() && instance.status().code() == StatusCode::kNotFound) {
    if (c.now - c.status.since < kNotFoundGrace) return After(kPollInterval);
    KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed,
                                      "instance " + c.status.provider_id + " not found at provider " +
                                          c.group.provider + ": " + instance.status().message()));
    return ReconcileResult{};
  }
  if (!instance.ok()) return instance.status();
  const ProviderInstance& inst = *instance;
  const std::string state_words =
      inst.state_detail.empty() ? std::string(ProviderInstanceStateName(inst.state)) : inst.state_detail;
  switch (inst.state) {
    case ProviderInstance::State::kStopped:
      KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed, "instance stopped: " + state_words));
      return ReconcileResult{};
    case ProviderInstance::State::kTerminated:
      KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed, "instance terminated: " + state_words));
      return ReconcileResult{};
    case ProviderInstance::State::kRunning:
      if (!inst.address.empty()) break;
      [[fallthrough]];
    default:
      if (c.now - c.status.since >= c.group.bootstrap.timeout) {
        KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed,
                                          "instance not running with an address after " +
                                              HumanDuration(c.group.bootstrap.timeout) + " (" + state_words + ")"));
        return ReconcileResult{};
      }
      return After(kPollInterval);
  }

  json spec;
  try {
    spec = json::parse(c.host.spec_json);
  } catch (const std::exception&) {
    spec = json::object();
  }
  if (!spec.is_object()) spec = json::object();
  spec["address"] = inst.address;
  // A provider that maps the SSH port (docker publishes 22 on a loopback
  // port, a static host may listen elsewhere) knows better than the group.
  spec["port"] = inst.ssh_port != 22 && inst.ssh_port > 0 ? inst.ssh_port : c.group.bootstrap.ssh_port;
  spec["user"] = c.group.bootstrap.ssh_user;
  if (!c.group.bootstrap.ssh_key_secret.empty()) {
    spec["credentials"] = json{{"sshKeySecret", c.group.bootstrap.ssh_key_secret}};
  }
  if (!inst.host_key.empty()) spec["hostKey"] = inst.host_key;
  c.host.spec_json = spec.dump();
  c.status.address = inst.address;
  if (c.status.launched_at == WallTime{}) c.status.launched_at = inst.launched_at;
  if (c.status.image.empty()) c.status.image = inst.image;
  if (c.status.size.empty()) c.status.size = inst.size;
  KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kBooted,
                                    "running at " + inst.address + ":" + std::to_string(spec["port"].get<int>()),
                                    /*spec_changed=*/true));
  return ReconcileResult{};  // the write's change event brings the host back at once
}

Result<ReconcileResult> HostController::Booted(Context& c) {
  const bool ssh = !c.group.bootstrap.runbook.empty() || c.group.health.kind == HealthCheckSpec::Kind::kCommand;
  deps_.bootstrapper->Forget(c.key);  // a job from an earlier life of this host
  KELOLA_RETURN_IF_ERROR(
      Transition(c, HostState::kBootstrapping, ssh ? "waiting for sshd" : "no runbook: waiting for the health check"));
  return ReconcileResult{};
}

Result<ReconcileResult> HostController::Bootstrapping(Context& c) {
  const WallTime deadline = c.status.since + c.group.bootstrap.timeout;
  const std::string too_late = "not Ready within " + HumanDuration(c.group.bootstrap.timeout) + ": ";
  const bool ssh = !c.group.bootstrap.runbook.empty() || c.group.health.kind == HealthCheckSpec::Kind::kCommand;
  if (ssh) {
    auto progress = deps_.bootstrapper->Poll(c.key);
    if (!progress) {
      if (c.now >= deadline) {
        KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed, too_late + "the bootstrap never finished"));
        return ReconcileResult{};
      }
      // Acting on a machine: only while this replica leads.
      KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
      BootstrapRequest request;
      request.key = c.key;
      request.host = c.host;
      request.runbook_yaml = c.group.bootstrap.runbook;
      request.runbook_name = "ServerGroup/" + c.group.name + " spec.bootstrap.runbook";
      request.deadline = clock_.Monotonic() + Until(deadline, c.now);
      KELOLA_RETURN_IF_ERROR(deps_.bootstrapper->Start(request));
      return After(kPollInterval);
    }
    // Record a learned host key at once, so later connections are strict
    // even if the bootstrap fails.
    if (!progress->host_key.empty()) {
      json spec = json::parse(c.host.spec_json, nullptr, false);
      if (spec.is_object() && spec.value("hostKey", "").empty()) {
        spec["hostKey"] = progress->host_key;
        c.host.spec_json = spec.dump();
        KELOLA_RETURN_IF_ERROR(WriteSpec(c));
      }
    }
    switch (progress->phase) {
      case BootstrapProgress::Phase::kFailed:
        deps_.bootstrapper->Forget(c.key);
        KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed, "bootstrap failed: " + progress->detail));
        return ReconcileResult{};
      case BootstrapProgress::Phase::kWaitingForSsh:
      case BootstrapProgress::Phase::kApplyingRunbook: {
        if (c.now >= deadline) {
          deps_.bootstrapper->Forget(c.key);
          KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed, too_late + progress->detail));
          return ReconcileResult{};
        }
        const std::string reason = progress->phase == BootstrapProgress::Phase::kWaitingForSsh
                                       ? "waiting for sshd"
                                       : "applying the bootstrap runbook";
        if (c.status.reason != reason) {
          c.status.reason = reason;
          KELOLA_RETURN_IF_ERROR(WriteStatus(c));
        }
        return After(std::min<Duration>(kPollInterval, Until(deadline, c.now)));
      }
      case BootstrapProgress::Phase::kSucceeded: break;
    }
  }

  // Bootstrapped: the health check decides. Checks are spaced by the poll
  // interval, whatever woke this reconcile.
  if (c.group.health.kind != HealthCheckSpec::Kind::kNone) {
    const WallTime next = c.status.last_check_at + kPollInterval;
    if (c.status.last_check_at != WallTime{} && c.now < next && c.now < deadline) return After(next - c.now);
    Status check = deps_.health->Check(c.group.health, c.host);
    c.now = clock_.Now();
    if (!check.ok()) {
      if (c.now >= deadline) {
        deps_.bootstrapper->Forget(c.key);
        KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed, too_late + "health check: " + check.message()));
        return ReconcileResult{};
      }
      c.status.reason = "bootstrapped; waiting for the health check";
      c.status.last_check = check.message();
      c.status.last_check_at = c.now;
      KELOLA_RETURN_IF_ERROR(WriteStatus(c));
      return After(std::min<Duration>(kPollInterval, Until(deadline, c.now)));
    }
  }
  deps_.bootstrapper->Forget(c.key);
  c.status.ready_at = c.now;
  c.status.consecutive_failures = 0;
  c.status.last_check = "ok";
  c.status.last_check_at = c.now;
  KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kReady,
                                    c.group.health.kind == HealthCheckSpec::Kind::kNone
                                        ? "bootstrapped (no health check configured)"
                                        : "bootstrapped; health check passed"));
  {
    std::lock_guard<std::mutex> lock(mu_);
    next_check_[c.key] = clock_.Monotonic() + c.group.health.interval;
  }
  return After(c.group.health.interval);
}

Result<ReconcileResult> HostController::Ready(Context& c) {
  const Duration interval = c.group.health.interval;
  const MonoTime mono = clock_.Monotonic();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = next_check_.find(c.key);
    if (it != next_check_.end() && mono < it->second) return After(it->second - mono);
    next_check_[c.key] = mono + interval;
  }
  const bool has_check = c.group.health.kind != HealthCheckSpec::Kind::kNone;
  Status check = has_check ? deps_.health->Check(c.group.health, c.host) : OkStatus();
  c.now = clock_.Now();

  // Ask the provider only when something looks wrong (or nothing else
  // watches the host): one Describe per failed check, not per host and
  // interval, keeps a large EC2 fleet under its API rate limits.
  if (!check.ok() || !has_check) {
    auto instance = c.provider->Describe(c.group, c.status.provider_id);
    std::string gone;
    if (!instance.ok() && instance.status().code() == StatusCode::kNotFound) {
      gone = "instance " + c.status.provider_id + " no longer exists at provider " + c.group.provider;
    } else if (instance.ok() && (instance->state == ProviderInstance::State::kStopped ||
                                 instance->state == ProviderInstance::State::kTerminated)) {
      const std::string words = instance->state_detail.empty() ? std::string(ProviderInstanceStateName(instance->state))
                                                               : instance->state_detail;
      gone = std::string(instance->state == ProviderInstance::State::kStopped ? "instance stopped: "
                                                                              : "instance terminated: ") +
             words;
    } else if (!instance.ok()) {
      LogWarn("fleet host: provider describe failed", {{"host", c.key}, {"error", instance.status().ToString()}});
    }
    if (!gone.empty()) {
      c.status.last_check = check.ok() ? "ok" : check.message();
      c.status.last_check_at = c.now;
      ForgetHost(c.key);
      KELOLA_RETURN_IF_ERROR(Transition(c, HostState::kFailed, gone));
      return ReconcileResult{};
    }
  }

  if (check.ok()) {
    if (c.status.consecutive_failures != 0 || c.status.last_check != "ok") {
      c.status.consecutive_failures = 0;
      c.status.last_check = "ok";
      c.status.last_check_at = c.now;
      KELOLA_RETURN_IF_ERROR(WriteStatus(c));
    }
    return After(interval);
  }
  c.status.last_check = check.message();
  c.status.last_check_at = c.now;
  const bool in_grace = c.now < c.status.ready_at + c.group.health.grace;
  if (!in_grace) ++c.status.consecutive_failures;
  const int threshold = std::max(1, c.group.health.unhealthy_threshold);
  if (c.status.consecutive_failures >= threshold) {
    ForgetHost(c.key);
    KELOLA_RETURN_IF_ERROR(Transition(
        c, HostState::kFailed,
        "health check failed " + std::to_string(c.status.consecutive_failures) + " times: " + check.message()));
    return ReconcileResult{};
  }
  KELOLA_RETURN_IF_ERROR(WriteStatus(c));
  return After(interval);
}

Status HostController::Transition(Context& c, HostState state, const std::string& reason, bool spec_changed) {
  const HostState from = c.status.state;
  c.status.state = state;
  c.status.reason = reason;
  c.status.since = c.now;
  c.host.status_json = EncodeFleetHostStatus(c.status);
  PutOptions put;
  put.expected_resource_version = c.host.resource_version;
  put.status_only = !spec_changed;
  put.actor = kActor;
  KELOLA_ASSIGN_OR_RETURN(c.host, store_.PutResource(c.host, put));

  Event event;
  event.type = "fleet.host." + Lower(HostStateName(state));
  event.subject = "Host/" + c.host.name;
  event.actor = kActor;
  event.data_json = json{{"group", c.group.name},
                         {"host", c.host.name},
                         {"state", std::string(HostStateName(state))},
                         {"from", std::string(HostStateName(from))},
                         {"reason", reason},
                         {"providerId", c.status.provider_id},
                         {"address", c.status.address}}
                        .dump();
  auto appended = store_.AppendEvent(event);
  // The status is the record of truth; a lost event is logged, not retried
  // (a retry would find the state already changed and append nothing).
  if (!appended.ok())
    LogWarn("fleet host event not appended", {{"host", c.key}, {"error", appended.status().ToString()}});
  LogInfo("fleet host " + std::string(HostStateName(state)),
          {{"host", c.host.name}, {"group", c.group.name}, {"reason", reason}});
  return OkStatus();
}

Status HostController::WriteStatus(Context& c) {
  c.host.status_json = EncodeFleetHostStatus(c.status);
  PutOptions put;
  put.expected_resource_version = c.host.resource_version;
  put.status_only = true;
  put.actor = kActor;
  KELOLA_ASSIGN_OR_RETURN(c.host, store_.PutResource(c.host, put));
  return OkStatus();
}

Status HostController::WriteSpec(Context& c) {
  PutOptions put;
  put.expected_resource_version = c.host.resource_version;
  put.actor = kActor;
  KELOLA_ASSIGN_OR_RETURN(c.host, store_.PutResource(c.host, put));
  return OkStatus();
}

void HostController::ForgetHost(const std::string& key) {
  if (deps_.bootstrapper != nullptr) deps_.bootstrapper->Forget(key);
  std::lock_guard<std::mutex> lock(mu_);
  next_check_.erase(key);
}

Status RegisterHostController(ControllerManager& manager, HostControllerDeps deps) {
  if (deps.providers == nullptr) return InvalidArgumentError("the host controller needs a provider registry");
  if (deps.health == nullptr) {
    NetworkHealthCheckerOptions options;
    options.resolver = deps.resolver;
    options.known_hosts_path = deps.known_hosts_path;
    deps.health = std::make_shared<NetworkHealthChecker>(std::move(options));
  }
  if (deps.bootstrapper == nullptr) {
    if (deps.work_dir.empty()) return InvalidArgumentError("the host controller needs a work_dir for host keys");
    SshHostBootstrapperOptions options;
    options.resolver = deps.resolver;
    options.work_dir = deps.work_dir;
    options.max_concurrent = deps.max_concurrent_bootstraps;
    options.clock = deps.clock;
    deps.bootstrapper = std::make_shared<SshHostBootstrapper>(std::move(options));
  }
  ControllerOptions options;
  options.name = kHostControllerName;
  options.kinds = {"Host"};
  options.workers = std::max(1, deps.workers);
  options.make_reconciler = [deps](Store& store) { return std::make_shared<HostController>(store, deps); };
  return manager.Register(std::move(options));
}

}  // namespace kelola
