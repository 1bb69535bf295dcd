// The fleet host controller's own cost per host, with the provider, the
// bootstrap and the health check excluded: the group controller creates N
// hosts against the in-memory provider (src/fleet/fake_provider_for_test.h)
// on an on-disk SQLite store (WAL, as `kelola server` runs it), then the
// host controller takes each from Launching to Ready (Describe, spec and
// status writes, events, one bootstrap job and one health check, both
// answering at once), then runs one steady health-check pass over every
// Ready host. Prints wall and CPU milliseconds per host and the reconciles
// it took. docs/fleet-hosts.md ("Overhead") records the figures.
// Usage: kelola_fleet_host_controller_bench [HOSTS...]   (default 10 100)
#include <ctime>
#include <filesystem>
#include <iostream>
#include <set>

#include "base/logging.h"
#include "fleet/fake_provider_for_test.h"
#include "fleet/group_controller.h"
#include "fleet/host_controller.h"
#include "store/store.h"

namespace kelola {
namespace {

double CpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double WallMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A bootstrap that is done as soon as it starts, and a host that is healthy:
// what is left is the controller.
class InstantBootstrapper final : public HostBootstrapper {
 public:
  Status Start(const BootstrapRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.insert(request.key);
    return OkStatus();
  }
  std::optional<BootstrapProgress> Poll(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!jobs_.count(key)) return std::nullopt;
    BootstrapProgress p;
    p.phase = BootstrapProgress::Phase::kSucceeded;
    return p;
  }
  void Forget(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.erase(key);
  }

 private:
  std::mutex mu_;
  std::set<std::string> jobs_;
};

class AlwaysHealthy final : public HealthChecker {
 public:
  Status Check(const HealthCheckSpec&, const Resource&) override { return OkStatus(); }
};

int Run(int hosts) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("kelola-host-controller-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  FakeClock clock;
  auto store = OpenSqliteStore(dir + "/state.db", clock);
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }
  auto provider = std::make_shared<FakeFleetProvider>("fake");
  auto registry = std::make_shared<FleetProviderRegistry>();
  registry->Add(provider);
  GroupControllerOptions group_options;
  group_options.providers = registry.get();
  group_options.clock = &clock;
  GroupController groups(**store, group_options);
  HostControllerDeps deps;
  deps.providers = registry;
  deps.clock = &clock;
  deps.bootstrapper = std::make_shared<InstantBootstrapper>();
  deps.health = std::make_shared<AlwaysHealthy>();
  HostController controller(**store, deps);

  Resource group;
  group.kind = "ServerGroup";
  group.name = "web";
  group.spec_json = R"({"provider":"fake","image":"img:1","count":)" + std::to_string(hosts) +
                    R"(,"bootstrap":{"runbook":"name: app\nsteps:\n  - command: 'true'\n","sshKeySecret":"k"},)"
                    R"("healthCheck":{"tcp":{"port":80},"interval":"10s","timeout":"5s"}})";
  if (!(*store)->PutResource(group, {}).ok() || !groups.Reconcile("ServerGroup/web").ok()) {
    std::cerr << "the group controller did not create the hosts\n";
    return 1;
  }
  ListOptions list;
  list.kind = "Host";
  auto listed = (*store)->ListResources(list);
  if (!listed.ok() || static_cast<int>(listed->items.size()) != hosts) {
    std::cerr << "expected " << hosts << " hosts\n";
    return 1;
  }

  // Launching → Booted → Bootstrapping (job started) → Ready: reconcile
  // each host until Ready, as its own writes would wake it.
  int reconciles = 0;
  double w0 = WallMs(), c0 = CpuMs();
  for (const Resource& host : listed->items) {
    for (int step = 0; step < 10; ++step) {
      auto r = controller.Reconcile("Host/" + host.name);
      ++reconciles;
      if (!r.ok()) {
        std::cerr << host.name << ": " << r.status().ToString() << "\n";
        return 1;
      }
      auto now = (*store)->GetResource("Host", host.name);
      if (now.ok() && DecodeFleetHostStatus(now->status_json)->state == HostState::kReady) break;
    }
  }
  double w = WallMs() - w0, c = CpuMs() - c0;
  std::printf(
      "hosts=%-4d to-ready  wall=%8.2f ms  cpu=%8.2f ms  per host: wall=%6.3f ms cpu=%6.3f ms  (%d reconciles)\n",
      hosts, w, c, w / hosts, c / hosts, reconciles);

  clock.Advance(std::chrono::seconds(10));
  w0 = WallMs();
  c0 = CpuMs();
  for (const Resource& host : listed->items) {
    if (!controller.Reconcile("Host/" + host.name).ok()) return 1;
  }
  w = WallMs() - w0;
  c = CpuMs() - c0;
  std::printf("hosts=%-4d steady    wall=%8.2f ms  cpu=%8.2f ms  per host: wall=%6.3f ms cpu=%6.3f ms\n", hosts, w, c,
              w / hosts, c / hosts);
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace kelola

int main(int argc, char** argv) {
  kelola::InitLogging(kelola::LogFormat::kText, kelola::LogLevel::kWarn);
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {10, 100};
  for (int n : sizes) {
    if (n < 1 || kelola::Run(n) != 0) return 1;
  }
  return 0;
}
