// End to end on real components: a static ServerGroup of two real sshd
// "machines" (tests/harness, each on its own loopback address with a private
// /tmp-like dir), the real group controller and host controller under the
// ControllerManager, a real SQLite store, the SSH bootstrapper applying a
// runbook that starts a tiny HTTP server (python3 -m http.server) on each
// machine, and the real HTTP health check. Then the app on one machine is
// stopped: that host goes Failed after the threshold, and the group
// controller's self-healing re-adopts the machine (verified with the host
// key learned the first time), whose runbook starts the app again.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "engine/controller_manager.h"
#include "fleet/group_controller.h"
#include "fleet/host_controller.h"
#include "fleet/static_provider.h"
#include "net/http_client.h"
#include "tests/harness/free_port.h"
#include "tests/harness/run_command.h"
#include "tests/harness/sshd_fleet.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// The app: a page naming the address it serves on (each machine learns its
// own from $SSH_CONNECTION), served by python3's http.server as a plain
// process with a pidfile (no systemd here).
std::string Runbook(const std::string& dir, int port) {
  return "name: tiny web app\n"
         "steps:\n"
         "  - name: page and start script\n"
         "    creates: " +
         dir + "/serve.sh\n" +
         "    command: |\n"
         "      set -- $SSH_CONNECTION\n"
         "      mkdir -p " +
         dir + "/www\n" + "      echo \"served by $3\" > " + dir + "/www/index.html\n" +
         "      printf 'exec python3 -m http.server " + std::to_string(port) + " --bind %s --directory " + dir +
         "/www\\n' \"$3\" > " + dir + "/serve.sh\n" +
         "  - name: web server\n"
         "    service: {name: web, state: started, command: \"/bin/sh " +
         dir + "/serve.sh\", pidfile: " + dir + "/web.pid}\n";
}

class Watcher {
 public:
  explicit Watcher(Store& store) : store_(store) {
    subscription_ = store.Subscribe([this](const Event&) {
      std::lock_guard<std::mutex> lock(mu_);
      ++changes_;
      cv_.notify_all();
    });
  }
  // Waits (bounded) until `done` holds, re-checking after every store event.
  bool WaitFor(Duration timeout, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      const int64_t seen = changes_;
      lock.unlock();
      if (done()) return true;
      lock.lock();
      // Also re-check once a second: a health check that keeps failing
      // writes nothing until it counts.
      if (!cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + 1s),
                          [&] { return changes_ != seen; }) &&
          std::chrono::steady_clock::now() >= deadline) {
        lock.unlock();
        return done();
      }
    }
  }

  // Host name -> decoded status, for the group's hosts.
  std::map<std::string, FleetHostStatus> Hosts() {
    std::map<std::string, FleetHostStatus> out;
    ListOptions list;
    list.kind = "Host";
    auto page = store_.ListResources(list);
    if (!page.ok()) return out;
    for (const Resource& r : page->items) {
      auto s = DecodeFleetHostStatus(r.status_json);
      if (s.ok()) out[r.name] = *s;
    }
    return out;
  }

 private:
  Store& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t changes_ = 0;
  std::unique_ptr<Store::Subscription> subscription_;
};

std::string Get(const std::string& url) {
  HttpClientOptions options;
  options.max_retries = 0;
  options.timeout = 3000ms;
  HttpClient client(options);
  ClientRequest request;
  request.url = url;
  auto response = client.Send(request);
  if (!response.ok()) return response.status().ToString();
  return response->body;
}

TEST(HostControllerSshdTest, StaticGroupIsBootstrappedHealthCheckedAndHealed) {
  harness::SshdFleetOptions fleet_options;
  fleet_options.private_dir = true;
  fleet_options.distinct_addresses = true;
  auto fleet = harness::SshdFleet::Start(2, fleet_options);
  ASSERT_TRUE(fleet.ok()) << fleet.status().ToString();
  const auto& machines = (*fleet)->hosts();
  // The apps outlive their sshd: stop them however the test ends (before
  // the fleet goes, as the pidfiles are in the machines' private dirs).
  struct StopApps {
    harness::SshdFleet& fleet;
    ~StopApps() {
      for (size_t i = 0; i < fleet.hosts().size(); ++i) {
        (void)harness::RunCommand(fleet.SshCommand(i, "kill $(cat " + fleet.private_dir() + "/web.pid) 2>/dev/null"));
      }
    }
  } stop_apps{**fleet};
  auto dir = harness::TempDir::Create("kelola-fleet-sshd");
  ASSERT_TRUE(dir.ok());
  auto store = OpenSqliteStore((*dir)->File("kelola.db"), SystemClock());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto key = harness::ReadFile((*fleet)->client_key_path());
  ASSERT_TRUE(key.ok());
  auto http_port = harness::FreePort();
  ASSERT_TRUE(http_port.ok());
  Watcher watcher(**store);

  auto registry = std::make_shared<FleetProviderRegistry>();
  registry->Add(std::make_shared<StaticProvider>(**store));
  ControllerManager manager(**store, SystemClock());
  GroupControllerOptions group_options;
  group_options.providers = registry.get();
  group_options.clock = &SystemClock();
  group_options.converging_requeue = 500ms;
  ASSERT_TRUE(RegisterGroupController(manager, group_options).ok());
  HostControllerDeps deps;
  deps.providers = registry;
  deps.resolver = [secret = *key](const std::string& name) -> Result<std::string> {
    if (name == "fleet-key") return secret;
    return NotFoundError("secret " + name);
  };
  deps.work_dir = (*dir)->File("fleet");
  ASSERT_TRUE(RegisterHostController(manager, deps).ok());

  // Machine 0 comes with its host key (verified strictly); machine 1
  // without (learned on the first connection, then pinned).
  json spec = {
      {"provider", "static"},
      {"count", 2},
      {"staticHosts",
       {{{"address", machines[0].address}, {"port", machines[0].port}, {"hostKey", machines[0].host_public_key}},
        {{"address", machines[1].address}, {"port", machines[1].port}}}},
      {"bootstrap",
       {{"runbook", Runbook((*fleet)->private_dir(), *http_port)},
        {"sshUser", (*fleet)->user()},
        {"sshKeySecret", "fleet-key"},
        {"timeout", "60s"}}},
      {"healthCheck",
       {{"http", {{"port", *http_port}, {"path", "/"}}},
        {"interval", "2s"},
        {"timeout", "2s"},
        {"unhealthyThreshold", 2}}},
  };
  Resource group;
  group.kind = "ServerGroup";
  group.name = "web";
  group.spec_json = spec.dump();
  ASSERT_TRUE((*store)->PutResource(group, {}).ok());
  ASSERT_TRUE(manager.Start().ok());

  // Host name by machine, once both are Ready.
  std::map<std::string, std::string> host_of;
  auto all_ready = [&] {
    host_of.clear();
    for (const auto& [name, s] : watcher.Hosts()) {
      if (s.state == HostState::kReady) host_of[s.provider_id] = name;
    }
    return host_of.size() == 2;
  };
  ASSERT_TRUE(watcher.WaitFor(90s, all_ready)) << [&] {
    std::string states;
    for (const auto& [name, s] : watcher.Hosts()) {
      states += name + " " + std::string(HostStateName(s.state)) + " (" + s.reason + ") ";
    }
    return states + "; group status " + (*store)->GetResource("ServerGroup", "web")->status_json;
  }();

  const std::string id0 = machines[0].address + ":" + std::to_string(machines[0].port);
  const std::string id1 = machines[1].address + ":" + std::to_string(machines[1].port);
  ASSERT_EQ(host_of.count(id0), 1u);
  ASSERT_EQ(host_of.count(id1), 1u);
  // Each machine ran the runbook for itself, in its own private dir.
  for (const auto& m : machines) {
    EXPECT_EQ(Get("http://" + m.address + ":" + std::to_string(*http_port) + "/"), "served by " + m.address + "\n");
  }
  // The key of machine 1 was learned and recorded; machine 0's came from the spec.
  auto spec1 = json::parse((*store)->GetResource("Host", host_of[id1])->spec_json);
  EXPECT_EQ(spec1["hostKey"], machines[1].host_public_key);
  EXPECT_EQ(spec1["address"], machines[1].address);
  EXPECT_EQ(spec1["port"], machines[1].port);
  EXPECT_EQ(json::parse((*store)->GetResource("Host", host_of[id0])->spec_json)["hostKey"],
            machines[0].host_public_key);
  EventFilter filter;
  filter.type_prefix = "fleet.host.";
  filter.subject = "Host/" + host_of[id1];
  std::vector<std::string> types;
  auto events = (*store)->ListEvents(filter);
  ASSERT_TRUE(events.ok());
  for (const Event& e : *events) types.push_back(e.type);
  // Each controller appends its event after its own write, so the group
  // controller's "launching" may land after this controller's "booted".
  std::sort(types.begin(), types.end());
  EXPECT_EQ(types, (std::vector<std::string>{"fleet.host.booted", "fleet.host.bootstrapping", "fleet.host.launching",
                                             "fleet.host.ready", "fleet.host.requested"}));

  // Stop the app on machine 1: its host fails after two failed checks.
  const std::string failed_host = host_of[id1];
  const std::string healthy_host = host_of[id0];
  auto killed = harness::RunCommand((*fleet)->SshCommand(1, "kill $(cat " + (*fleet)->private_dir() + "/web.pid)"));
  ASSERT_TRUE(killed.ok() && killed->exit_code == 0) << (killed.ok() ? killed->err : killed.status().ToString());
  std::string failure;
  ASSERT_TRUE(watcher.WaitFor(30s, [&] {
    EventFilter f;
    f.type_prefix = "fleet.host.failed";
    f.subject = "Host/" + failed_host;
    auto events = (*store)->ListEvents(f);
    if (!events.ok() || events->empty()) return false;
    failure = json::parse(events->front().data_json)["reason"];
    return true;
  }));
  EXPECT_EQ(failure.rfind("health check failed 2 times: http http://" + machines[1].address + ":" +
                              std::to_string(*http_port) + "/: ",
                          0),
            0u)
      << failure;

  // Self-healing: a new Host re-adopts machine 1, verified against the key
  // learned the first time; its runbook starts the app again, and it is
  // Ready. The other host was never touched.
  ASSERT_TRUE(watcher.WaitFor(90s, [&] { return all_ready() && host_of[id1] != failed_host; }));
  EXPECT_EQ(host_of[id0], healthy_host);
  EXPECT_EQ(json::parse((*store)->GetResource("Host", host_of[id1])->spec_json)["hostKey"],
            machines[1].host_public_key);
  EXPECT_EQ(watcher.Hosts().count(failed_host), 0u) << "the failed host was removed";
  EXPECT_EQ(Get("http://" + machines[1].address + ":" + std::to_string(*http_port) + "/"),
            "served by " + machines[1].address + "\n");
  filter.subject = "Host/" + healthy_host;
  filter.type_prefix = "fleet.host.failed";
  EXPECT_TRUE((*store)->ListEvents(filter)->empty());

  manager.Stop();
}

}  // namespace
}  // namespace kelola
