#include "integrations/docker/dockerhosts_rollout.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "fleet/provider.h"
#include "integrations/docker/host_batches.h"

namespace kelola::docker {
namespace {

using Clock = std::chrono::steady_clock;

std::string Seconds(Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s + "s";
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// Sleeps up to `d` in short slices; false when keep_going said stop.
bool SleepUnlessCancelled(Duration d, const std::function<bool()>& keep_going) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
    if (keep_going && !keep_going()) return false;
    std::this_thread::sleep_for(std::min<Duration>(until - Clock::now(), std::chrono::milliseconds(100)));
  }
  return true;
}

Status CheckContext(const RolloutContext& ctx, const ReleaseSpec* release, const char* which) {
  if (ctx.target == nullptr || ctx.hosts == nullptr) {
    return InvalidArgumentError("dockerhosts rollout: the context has no target or hosts");
  }
  if (release == nullptr) return InvalidArgumentError(std::string("dockerhosts rollout: no ") + which + " release");
  if (ctx.target->kind != TargetSpec::Kind::kDockerHosts) {
    return InvalidArgumentError("target " + ctx.target->name + " is not a dockerhosts target");
  }
  const DockerHostsTarget& t = ctx.target->dockerhosts;
  const std::string where = "target " + ctx.target->name + ": ";
  if (release->image_digest.find("@sha256:") == std::string::npos) {
    return InvalidArgumentError(where + "release " + release->name + " has no image digest (\"" +
                                release->image_digest + "\"): deploys go by digest, never by tag");
  }
  if (t.health.path.empty() || t.health.path[0] != '/') {
    return InvalidArgumentError(where + "spec.dockerhosts.health.path \"" + t.health.path + "\" must start with /");
  }
  for (int port : {t.container_port, t.proxy_port}) {
    if (port < 1 || port > 65535) {
      return InvalidArgumentError(where + "port " + std::to_string(port) + " is out of range 1-65535");
    }
  }
  if (ctx.hosts->hosts.empty()) return NotFoundError(where + "no hosts match its host selector");
  return OkStatus();
}

}  // namespace

// One Rollout or RollBack: progress and events, serialised for the
// controller's callbacks (hosts of a batch report from their threads).
struct DockerHostsRollout::Run {
  const RolloutContext* ctx = nullptr;
  std::map<std::string, std::string> env;  // secret values included: never logged
  std::mutex mu;
  ReleaseProgress progress;

  void Progress(const std::function<void(ReleaseProgress&)>& change) {
    std::lock_guard lock(mu);
    change(progress);
    if (ctx->on_progress) ctx->on_progress(progress);
  }
  void Event(std::string_view kind, const std::string& host, const std::string& message) {
    std::lock_guard lock(mu);
    if (ctx->on_event) ctx->on_event(kind, host, message);
  }
};

Status DockerHostsRollout::Rollout(const RolloutContext& ctx, RolloutOutcome& outcome) {
  KELOLA_RETURN_IF_ERROR(CheckContext(ctx, ctx.release, "new"));
  std::vector<std::string> hosts;
  for (const FleetHost& h : ctx.hosts->hosts) hosts.push_back(h.name);
  return DeployHosts(ctx, *ctx.release, hosts, outcome.touched);
}

Status DockerHostsRollout::RollBack(const RolloutContext& ctx, const RolloutOutcome& outcome) {
  if (ctx.previous == nullptr) {
    return FailedPreconditionError("target " + (ctx.target ? ctx.target->name : std::string("?")) +
                                   ": no previous release to roll back to");
  }
  KELOLA_RETURN_IF_ERROR(CheckContext(ctx, ctx.previous, "previous"));
  std::vector<std::string> hosts = outcome.touched;
  if (hosts.empty()) {
    for (const FleetHost& h : ctx.hosts->hosts) hosts.push_back(h.name);
  }
  std::vector<std::string> switched;
  return DeployHosts(ctx, *ctx.previous, hosts, switched);
}

Status DockerHostsRollout::DeployHosts(const RolloutContext& ctx, const ReleaseSpec& release,
                                       const std::vector<std::string>& hosts, std::vector<std::string>& switched) {
  const DockerHostsTarget& t = ctx.target->dockerhosts;
  KELOLA_ASSIGN_OR_RETURN(auto batches, PlanHostBatches(t.batch, hosts));
  Run run;
  run.ctx = &ctx;
  // Everything that can be refused is refused before any host changes.
  std::vector<const FleetHost*> resolved;
  for (const std::string& name : hosts) {
    const FleetHost* h = ctx.hosts->Find(name);
    if (h == nullptr) return NotFoundError("target " + ctx.target->name + ": host " + name + " is not in the fleet");
    resolved.push_back(h);
  }
  run.env = t.env;
  for (const SecretEnvRef& ref : t.secrets) {
    if (!ctx.secret) return FailedPreconditionError("target " + ctx.target->name + ": no secret store to read from");
    auto value = ctx.secret(ref.secret, ref.key);
    if (!value.ok()) {
      return Status(value.status().code(), "target " + ctx.target->name + ": env " + ref.env + " from secret " +
                                               ref.secret + ": " + value.status().message());
    }
    run.env[ref.env] = *value;
  }
  // Every host's SSH and engine first, in parallel: an unreachable host
  // stops the rollout before anything changed anywhere, and the batches
  // do not wait for handshakes.
  KELOLA_ASSIGN_OR_RETURN(auto engines, ConnectHosts(ctx, resolved));
  run.Progress([&](ReleaseProgress& p) {
    p.total = static_cast<int>(hosts.size());
    p.old_remaining = p.total;
    p.phase = "rolling out " + release.name + " to " + std::to_string(hosts.size()) + " host(s) in " +
              std::to_string(batches.size()) + " batch(es)";
  });

  for (size_t b = 0; b < batches.size(); ++b) {
    if (ctx.keep_going && !ctx.keep_going()) {
      return CancelledError("target " + ctx.target->name + ": rollout of " + release.name + " cancelled before batch " +
                            std::to_string(b + 1));
    }
    const std::vector<std::string>& batch = batches[b];
    run.Progress([&](ReleaseProgress& p) {
      p.phase = "batch " + std::to_string(b + 1) + "/" + std::to_string(batches.size()) + ": " +
                std::to_string(batch.size()) + " host(s)";
    });
    std::vector<Status> results(batch.size());
    std::vector<char> host_switched(batch.size(), 0);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < batch.size(); ++i) {
      const FleetHost* host = ctx.hosts->Find(batch[i]);
      HostEngine* engine = engines.at(batch[i]).get();
      threads.emplace_back([&, i, host, engine] {
        bool sw = false;
        results[i] = DeployHost(ctx, release, *host, *engine, run, sw);
        host_switched[i] = sw ? 1 : 0;
      });
    }
    for (auto& th : threads) th.join();
    std::string errors;
    StatusCode code = StatusCode::kOk;
    for (size_t i = 0; i < batch.size(); ++i) {
      // Switched means the proxy routes to the new release: those go in
      // `touched` even when a later step (drain) failed.
      const Status& s = results[i];
      if (host_switched[i]) switched.push_back(batch[i]);
      if (s.ok()) continue;
      if (code == StatusCode::kOk) code = s.code();
      errors += (errors.empty() ? "" : "; ") + s.message();
    }
    if (code != StatusCode::kOk) {
      run.Progress([&](ReleaseProgress& p) {
        p.phase = "stopped at batch " + std::to_string(b + 1) + "/" + std::to_string(batches.size());
      });
      return Status(code, errors);
    }
  }
  run.Progress([&](ReleaseProgress& p) { p.phase = release.name + " live on every host"; });
  return OkStatus();
}

Result<std::map<std::string, std::unique_ptr<HostEngine>>> DockerHostsRollout::ConnectHosts(
    const RolloutContext& ctx, const std::vector<const FleetHost*>& hosts) {
  const auto start = Clock::now();
  SecretResolver resolver = [&ctx](const std::string& name) -> Result<std::string> {
    if (!ctx.secret) return FailedPreconditionError("no secret store to read secret " + name + " from");
    return ctx.secret(name, "");
  };
  std::vector<Result<std::unique_ptr<HostEngine>>> results;
  results.reserve(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) results.emplace_back(UnknownError("not connected"));
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  const size_t workers = std::min<size_t>(hosts.size(), std::max(1, options_.connect_parallelism));
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < hosts.size(); i = next++) {
        results[i] = HostEngine::Connect(*ctx.hosts, *hosts[i], resolver, options_.engine);
      }
    });
  }
  for (auto& t : pool) t.join();
  std::map<std::string, std::unique_ptr<HostEngine>> engines;
  std::string errors;
  StatusCode code = StatusCode::kOk;
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (results[i].ok()) {
      engines[hosts[i]->name] = std::move(*results[i]);
      continue;
    }
    if (code == StatusCode::kOk) code = results[i].status().code();
    errors += (errors.empty() ? "" : "; ") + results[i].status().message();
  }
  if (code != StatusCode::kOk) return Status(code, errors + " (nothing was changed)");
  if (options_.on_step_time) options_.on_step_time("", "connect", Clock::now() - start);
  return engines;
}

Status DockerHostsRollout::DeployHost(const RolloutContext& ctx, const ReleaseSpec& release, const FleetHost& host,
                                      HostEngine& host_engine, Run& run, bool& switched) {
  const DockerHostsTarget& t = ctx.target->dockerhosts;
  const std::string& target = ctx.target->name;
  const std::string who = "host " + host.name;
  auto step_start = Clock::now();
  auto step_done = [&](std::string_view step) {
    const auto now = Clock::now();
    if (options_.on_step_time) options_.on_step_time(host.name, step, now - step_start);
    step_start = now;
  };
  HostEngine* engine = &host_engine;
  DockerClient& docker = engine->docker();

  // 1. The image, by digest.
  if (Status pulled = docker.Pull(release.image_digest, {}, nullptr); !pulled.ok()) {
    run.Event("deploy.host.failed", host.name, "pulling " + release.image_digest + " failed; nothing was changed");
    return Status(pulled.code(), who + ": " + pulled.message());
  }
  step_done("pull");

  // 2. The new container beside the old.
  std::string network = options_.network;
  if (network.empty()) {
    auto self = docker.ListContainerInfos({{kFleetDockerHostLabel, host.name}});
    if (self.ok() && self->size() == 1 && !(*self)[0].ip_addresses.empty()) {
      network = (*self)[0].ip_addresses.begin()->first;
    } else {
      network = options_.default_network;
      if (docker.InspectNetwork(network).status().code() == StatusCode::kNotFound) {
        NetworkParams n;
        n.name = network;
        n.labels = {{kFleetDockerManagedByLabel, "kelola"}};
        auto created = docker.CreateNetwork(n);
        if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
          return Status(created.status().code(),
                        who + ": creating network " + network + ": " + created.status().message());
        }
      }
    }
  }
  auto existing = docker.ListContainerInfos({{kDeployTargetLabel, target}, {kDeployHostLabel, host.name}});
  if (!existing.ok()) return Status(existing.status().code(), who + ": " + existing.status().message());
  const std::string name = target + "-" + release.name + "-" + host.name;
  KELOLA_RETURN_IF_ERROR(CheckEngineName(name, "container name"));
  std::string id;
  bool reused = false;
  for (const ContainerInfo& c : *existing) {
    if (c.name != name) continue;
    if (c.state == "running") {
      id = c.id;  // this release runs here already (a retried deploy): kept
      reused = true;
    } else if (Status removed = docker.RemoveContainer(c.id); !removed.ok()) {
      return Status(removed.code(), who + ": removing the stopped container " + name + ": " + removed.message());
    }
  }
  step_done("prepare");
  if (!reused) {
    ContainerParams params;
    params.image = release.image_digest;
    params.name = name;
    params.env = run.env;
    params.network = network;
    params.restart_policy = "unless-stopped";
    params.labels = {{kDeployTargetLabel, target},
                     {kDeployReleaseLabel, release.name},
                     {kDeployServiceLabel, ctx.target->service.empty() ? target : ctx.target->service},
                     {kDeployHostLabel, host.name},
                     {kFleetDockerManagedByLabel, "kelola"}};
    auto created = docker.CreateContainer(params);
    if (!created.ok()) return Status(created.status().code(), who + ": " + created.status().message());
    id = *created;
    if (Status started = docker.StartContainer(id); !started.ok()) {
      (void)docker.RemoveContainer(id);
      return Status(started.code(), who + ": starting " + name + ": " + started.message());
    }
  }
  run.Event("deploy.host.started", host.name,
            (reused ? "container " + name + " already runs " : "started container " + name + " from ") +
                release.image_digest);
  run.Progress([](ReleaseProgress& p) { ++p.updated; });
  step_done("start");

  auto fail = [&](Status error) {
    if (!reused) (void)docker.RemoveContainer(id);
    run.Event("deploy.host.failed", host.name, error.message() + "; the host keeps its old container");
    run.Progress([](ReleaseProgress& p) { --p.updated; });
    return error;
  };

  // 3. Health, from the host, against the container's address.
  auto info = docker.InspectContainer(id);
  if (!info.ok()) return fail(Status(info.status().code(), who + ": " + info.status().message()));
  auto addr = info->ip_addresses.find(network);
  if (addr == info->ip_addresses.end() || addr->second.empty()) {
    return fail(InternalError(who + ": container " + name + " has no address on network " + network));
  }
  const std::string upstream = addr->second + ":" + std::to_string(t.container_port);
  const std::string url = "http://" + upstream + t.health.path;
  const std::string timeout_secs =
      std::to_string(std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(t.health.timeout).count()));
  const auto health_deadline = Clock::now() + t.health.start_timeout;
  int passes = 0;
  std::string last = "no check ran";
  for (;;) {
    ExecOptions exec;
    exec.timeout = t.health.timeout + std::chrono::seconds(5);
    auto check = engine->ssh().ExecArgv({"curl", "-fsS", "-o", "/dev/null", "-m", timeout_secs, url}, exec);
    if (!check.ok()) return fail(Status(check.status().code(), who + ": " + check.status().message()));
    if (check->ok()) {
      if (++passes >= std::max(1, t.health.healthy_threshold)) break;
    } else {
      passes = 0;
      last = Trimmed(check->err.empty() ? check->Describe() : check->err);
      if (auto now = docker.InspectContainer(id); now.ok() && now->state != "running") {
        return fail(UnavailableError(who + ": health check " + t.health.path + ": container " + name + " " +
                                     now->state + " (exit code " + std::to_string(now->exit_code) + ")"));
      }
    }
    if (Clock::now() >= health_deadline) {
      return fail(DeadlineExceededError(who + ": health check " + t.health.path + " not passing after " +
                                        Seconds(t.health.start_timeout) + ": " + last));
    }
    if (!SleepUnlessCancelled(t.health.interval, ctx.keep_going)) {
      return fail(CancelledError(who + ": cancelled while waiting for health"));
    }
  }
  run.Event("deploy.host.healthy", host.name, "container " + name + " passes " + t.health.path + " at " + upstream);
  run.Progress([](ReleaseProgress& p) { ++p.healthy; });
  step_done("health");

  // 4. Traffic to the new container.
  HostProxyOptions proxy_options = options_.proxy;
  proxy_options.sudo = engine->needs_sudo();
  HostProxy proxy(engine->ssh(), host.name, proxy_options);
  const NginxSite site{target, release.name, t.proxy_port, upstream};
  bool took_config = false;
  if (Status s = proxy.Switch(site, t.health.path, options_.switch_timeout, &took_config); !s.ok()) {
    if (!took_config) {
      run.Progress([](ReleaseProgress& p) { --p.healthy; });
      return fail(s);
    }
    // nginx runs the new config: RollBack must treat this host as switched.
    switched = true;
    run.Event("deploy.host.failed", host.name, s.message());
    return s;
  }
  switched = true;
  run.Event("deploy.host.switched", host.name,
            "proxy port " + std::to_string(t.proxy_port) + " routes to " + name + " (" + upstream + ")");
  run.Progress([](ReleaseProgress& p) { --p.old_remaining; });
  step_done("switch");

  // 5. Drain, then the old containers go.
  std::vector<std::string> old;
  for (const ContainerInfo& c : *existing) {
    if (c.id != id && c.name != name) old.push_back(c.id);
  }
  // The drain is served out even when cancelled: cutting it would fail
  // requests the old container still has.
  if (!old.empty()) (void)SleepUnlessCancelled(t.drain, nullptr);
  step_done("drain");
  std::string removed;
  for (const ContainerInfo& c : *existing) {
    if (c.id == id || c.name == name) continue;
    if (Status s = docker.RemoveContainer(c.id); !s.ok()) {
      const std::string message = who + ": removing old container " + c.name + ": " + s.message();
      run.Event("deploy.host.failed", host.name, message);
      return Status(s.code(), message);
    }
    removed += (removed.empty() ? "" : ", ") + c.name;
  }
  step_done("stop");
  run.Event("deploy.host.drained", host.name,
            removed.empty()
                ? "no old container to drain"
                : "old container(s) " + removed + " drained for " + Seconds(t.drain) + ", stopped and removed");
  if (ctx.keep_going && !ctx.keep_going()) return CancelledError(who + ": cancelled after the switch");
  return OkStatus();
}

std::shared_ptr<RolloutStrategy> MakeDockerHostsRollout(DockerHostsRolloutOptions options) {
  return std::make_shared<DockerHostsRollout>(std::move(options));
}

}  // namespace kelola::docker
