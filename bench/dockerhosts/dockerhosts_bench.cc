// kelola's own overhead for a 3-host dockerhosts rollout, and the time a
// host serves with neither version (bench/README.md, "Deploys").
//
// Sets up what tests/integration/dockerhosts_rollout_test.cc uses (3 docker
// fleet hosts with sshd + nginx, the engine over SSH, a docker-registry,
// busybox httpd images), deploys v1, then alternates v2/v1 for ROUNDS
// rollouts (batch 1: hosts one after the other, so the wall time is the sum
// of the hosts' steps). Per rollout: the wall time; the steps that are not
// kelola's own work — the pull, the engine creating and starting the
// application container and the application getting healthy, the
// configured drain, the engine stopping and removing the old container;
// kelola's own overhead = wall - those (SSH connects, engine lookups, the
// proxy switch, coordination); and a tight probe loop (one thread per host,
// a fresh connection per request) counting failed requests and the longest
// run of them on a host.
// Usage: kelola_dockerhosts_bench [ROUNDS=3] [DRAIN_MS=1000]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "integrations/docker/dockerhosts_rollout.h"
#include "tests/integration/dockerhosts_env.h"

namespace kelola {
namespace {

double Ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

int Main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  const int drain_ms = argc > 2 ? std::atoi(argv[2]) : 1000;
  auto env = dockerhosts_test::DockerHostsEnv::Start(3, "dhb" + std::to_string(::getpid() % 100000));
  if (!env.ok()) {
    std::fprintf(stderr, "setup: %s\n", env.status().ToString().c_str());
    return 1;
  }
  std::map<std::string, ReleaseSpec> releases;
  for (const char* v : {"v1", "v2"}) {
    auto digest = (*env)->PushApp(v, true);
    if (!digest.ok()) {
      std::fprintf(stderr, "push %s: %s\n", v, digest.status().ToString().c_str());
      return 1;
    }
    ReleaseSpec r;
    r.name = std::string("bench-") + v;
    r.target = "web";
    r.image_digest = *digest;
    releases[v] = r;
  }
  TargetSpec target;
  target.name = "web";
  target.dockerhosts.batch = "1";
  target.dockerhosts.drain = std::chrono::milliseconds(drain_ms);
  target.dockerhosts.health.interval = std::chrono::milliseconds(100);

  std::mutex mu;
  std::map<std::string, Duration> steps;  // step -> sum over hosts
  docker::DockerHostsRolloutOptions options;
  options.on_step_time = [&](const std::string&, std::string_view step, Duration took) {
    std::lock_guard lock(mu);
    steps[std::string(step)] += took;
  };
  docker::DockerHostsRollout strategy(options);
  auto deploy = [&](const ReleaseSpec& r, const ReleaseSpec* previous) {
    RolloutContext ctx;
    ctx.target = &target;
    ctx.release = &r;
    ctx.previous = previous;
    ctx.hosts = &(*env)->inventory();
    RolloutOutcome outcome;
    return strategy.Rollout(ctx, outcome);
  };
  if (Status s = deploy(releases["v1"], nullptr); !s.ok()) {
    std::fprintf(stderr, "first deploy: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf(
      "round,wall_ms,pull_ms,container_start_ms,app_health_ms,drain_ms,old_removal_ms,own_overhead_ms,connect_ms,"
      "prepare_ms,switch_ms,probe_requests,probe_failures,longest_outage_ms\n");
  const char* current = "v1";
  for (int round = 1; round <= rounds; ++round) {
    const char* next = std::string(current) == "v1" ? "v2" : "v1";
    {
      std::lock_guard lock(mu);
      steps.clear();
    }
    dockerhosts_test::LoadGenerator probe((*env)->addresses(), 80, 1);
    const auto t0 = std::chrono::steady_clock::now();
    Status s = deploy(releases[next], &releases[current]);
    const Duration wall = std::chrono::steady_clock::now() - t0;
    dockerhosts_test::LoadStats stats = probe.Stop();
    if (!s.ok()) {
      std::fprintf(stderr, "rollout: %s\n", s.ToString().c_str());
      return 1;
    }
    std::lock_guard lock(mu);
    const Duration not_ours = steps["pull"] + steps["start"] + steps["health"] + steps["drain"] + steps["stop"];
    std::printf("%d,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%lld,%lld,%.1f\n", round, Ms(wall),
                Ms(steps["pull"]), Ms(steps["start"]), Ms(steps["health"]), Ms(steps["drain"]), Ms(steps["stop"]),
                Ms(wall - not_ours), Ms(steps["connect"]), Ms(steps["prepare"]), Ms(steps["switch"]),
                static_cast<long long>(stats.requests), static_cast<long long>(stats.failures),
                Ms(stats.longest_outage));
    std::fflush(stdout);
    current = next;
  }
  return 0;
}

}  // namespace
}  // namespace kelola

int main(int argc, char** argv) { return kelola::Main(argc, argv); }
