// The fleet group controller's own cost per host, the provider excluded:
// reconciles of one group against the in-memory provider
// (src/fleet/fake_provider_for_test.h) on an on-disk SQLite store (WAL, as
// `kelola server` runs it). Prints wall and CPU milliseconds per host for
// the create pass (Host intents, one batched Launch, Launching transitions,
// events), a steady pass (nothing to do) and a scale-in pass (drain,
// terminate, delete) — bench/README.md records the figures.
// Usage: kelola_fleet_overhead_bench [HOSTS...]   (default 10 100)
#include <ctime>
#include <filesystem>
#include <iostream>

#include "base/logging.h"
#include "fleet/fake_provider_for_test.h"
#include "fleet/group_controller.h"
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

int Run(int hosts) {
  const std::string dir = std::filesystem::temp_directory_path() / ("kelola-fleet-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  FakeClock clock;
  auto store = OpenSqliteStore(dir + "/state.db", clock);
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }
  auto provider = std::make_shared<FakeFleetProvider>("fake");
  FleetProviderRegistry registry;
  registry.Add(provider);
  GroupControllerOptions o;
  o.providers = &registry;
  o.clock = &clock;
  int tokens = 0;
  o.make_client_token = [&tokens] { return "t" + std::to_string(++tokens); };
  GroupController controller(**store, o);

  auto put = [&](int count) {
    Resource r;
    r.kind = "ServerGroup";
    r.name = "web";
    r.spec_json = R"({"provider":"fake","image":"img:1","count":)" + std::to_string(count) + "}";
    if (auto old = (*store)->GetResource("ServerGroup", "web"); old.ok()) r.status_json = old->status_json;
    return (*store)->PutResource(r, {}).ok();
  };
  auto pass = [&](const char* what, int per) {
    const double w0 = WallMs(), c0 = CpuMs();
    auto r = controller.Reconcile("ServerGroup/web");
    const double w = WallMs() - w0, c = CpuMs() - c0;
    if (!r.ok()) {
      std::cerr << what << ": " << r.status().ToString() << "\n";
      return false;
    }
    std::printf("hosts=%-4d %-9s wall=%8.2f ms  cpu=%8.2f ms  per host: wall=%6.3f ms cpu=%6.3f ms\n", hosts, what, w,
                c, w / per, c / per);
    return true;
  };
  bool ok = put(hosts) && pass("create", hosts) && pass("steady", hosts) && put(hosts / 2) &&
            pass("scale-in", hosts - hosts / 2);
  store->reset();
  std::filesystem::remove_all(dir);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace kelola

int main(int argc, char** argv) {
  kelola::InitLogging(kelola::LogFormat::kText, kelola::LogLevel::kWarn);
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {10, 100};
  for (int n : sizes) {
    if (n < 2 || kelola::Run(n) != 0) return 1;
  }
  return 0;
}
