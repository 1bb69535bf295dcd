// Issue #9 end to end on the docker provider: the real `kelola server` with
// its autoscaler, a ServerGroup of 2 on the real Docker engine with a CPU
// target-tracking policy (target 50 %, min 2, max 4), a real `kelola agent`
// per host sending host metrics, and a load generator inside the host
// containers (busy loops started with `docker exec`):
//   load on  → the group grows to 4 within two evaluation periods;
//   load off → it shrinks back to 2 only after the scale-down stabilization
//              window, never below minHosts, and never flaps (the scale.action
//              events go up, then down, nothing else);
//   `kelola scale explain` prints the decision with its formula and limit.
//
// The agents run on the test machine, one per Host (named after it, so the
// server files their samples under the group through the Host's
// kelola.io/group label), not inside the containers: the host image has
// none of the kelola binary's shared libraries and the provider mounts
// nothing, and the harness' server listens on 127.0.0.1, which the
// containers cannot reach (dockerd runs with --iptables=false). What the
// agent measures is the same either way: /proc/stat inside a container is
// the whole machine's (cgroup v1, no lxcfs), so CPU busy % is the machine's.
// That is also why the load is 2 busy loops per host ("medium" hosts, 2 CPUs
// each): 4 loops keep both cores of the machine busy whatever else runs,
// and the test first checks that the machine is quiet enough (below 35 %
// busy before the load) to see the load go away — it skips, saying so,
// on a machine that other work keeps busy.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/harness/child_process.h"
#include "tests/harness/docker_engine.h"
#include "tests/harness/http_call.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

constexpr const char* kImage = "kelola-host:bookworm";
constexpr int kIntervalSeconds = 5;  // autoscaler.interval
constexpr int kScaleDownWindowSeconds = 30;
// Fixed text run in the test's own containers (no input from anywhere).
constexpr const char* kLoadOn = "for i in 1 2; do sh -c 'while :; do :; done' & echo $! >> /tmp/kelola-load.pids; done";
constexpr const char* kLoadOff = "kill $(cat /tmp/kelola-load.pids); rm -f /tmp/kelola-load.pids";

bool WaitFor(const std::function<bool()>& cond, Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // real time: real servers and containers
  }
  return cond();
}

class AutoscaleDockerE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = harness::DockerEngine::Ensure();
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = engine->release();
    auto built = harness::RunCommand({std::string(KELOLA_SOURCE_DIR) + "/scripts/build-host-image", kImage},
                                     std::chrono::minutes(15));
    ASSERT_TRUE(built.ok() && built->exit_code == 0) << (built.ok() ? built->err : built.status().ToString());
  }

  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-autoscale-e2e");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    group_ = "as" + std::to_string(getpid() % 100000);
    RemoveGroupContainers();
    auto server = harness::KelolaServer::Start(
        {.data_dir = dir_->File("data"),
         .config_yaml = "autoscaler:\n  interval: " + std::to_string(kIntervalSeconds) +
                        "s\n  metric_window: 10s\nmetrics:\n  resolution: 1s\n  retention: 1h\n"});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    auto token = server_->Cli({"token", "create", "--name", "agents", "--role", "operator"});
    ASSERT_TRUE(token.ok() && token->exit_code == 0);
    agent_token_ = token->out;
    while (!agent_token_.empty() && agent_token_.back() == '\n') agent_token_.pop_back();
  }

  void TearDown() override {
    if (HasFailure() && server_) std::cerr << Diagnostics();
    for (auto& [name, agent] : agents_) agent->Stop(seconds(5));
    if (server_) server_->Stop();
    RemoveGroupContainers();
  }

  void Apply(const std::string& yaml) {
    const std::string path = dir_->File("apply.yaml");
    ASSERT_TRUE(harness::WriteFile(path, yaml).ok());
    auto r = server_->Cli({"apply", "-f", path});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->exit_code, 0) << r->out << r->err;
  }

  json Get(const std::string& path) {
    auto r = harness::HttpCall(
        {.url = server_->url() + path, .headers = {"Authorization: Bearer " + server_->AdminToken()}});
    if (!r.ok() || r->status != 200) return json();
    json doc = json::parse(r->body, nullptr, false);
    return doc.is_discarded() ? json() : doc;
  }

  // Host name -> status.
  std::map<std::string, json> Hosts() {
    std::map<std::string, json> out;
    json list = Get("/v1/hosts?labelSelector=" + harness::UrlEncode("kelola.io/group=" + group_));
    if (!list.contains("items")) return out;
    for (const json& h : list["items"]) out[h["metadata"]["name"]] = h.value("status", json::object());
    return out;
  }

  int Count() {
    json g = Get("/v1/server-groups/" + group_);
    return g.is_object() ? g["spec"].value("count", -1) : -1;
  }

  int ReadyHosts() {
    int n = 0;
    for (const auto& [name, s] : Hosts()) n += s.value("state", "") == "Ready" ? 1 : 0;
    return n;
  }

  // One real agent per Host of the group, started as the Host appears.
  void StartAgents() {
    for (const auto& [name, s] : Hosts()) {
      if (agents_.count(name)) continue;
      const std::string yaml = "name: " + name + "\nserver: " + server_->url() + "\ntoken: " + agent_token_ +
                               "\ndata_dir: " + dir_->File("agent-" + name) +
                               "\nmetrics_listen: 127.0.0.1:0\n"
                               "retry:\n  initial_backoff: 100ms\n  max_backoff: 1s\n"
                               "metrics:\n  interval: 2s\n";
      const std::string config = dir_->File("agent-" + name + ".yaml");
      ASSERT_TRUE(harness::WriteFile(config, yaml).ok());
      auto child = harness::ChildProcess::Spawn({.argv = {harness::KelolaBinary(), "agent", "--config", config},
                                                 .log_path = dir_->File("agent-" + name + ".log")});
      ASSERT_TRUE(child.ok()) << child.status().ToString();
      agents_[name] = std::move(*child);
    }
  }

  // The newest CPU busy % the server has from any host of the group (-1: none).
  double GroupCpu() {
    json q = Get("/v1/metrics/query?metric=cpu_busy_percent&group=" + group_ + "&agg=avg&window=10s");
    return q.is_object() && q["value"].is_number() ? q["value"].get<double>() : -1;
  }

  // Starts the busy loops on every Ready host.
  void LoadOn() {
    for (const auto& [name, s] : Hosts()) {
      if (s.value("state", "") != "Ready") continue;
      const std::string id = s.value("providerId", "");
      auto r = harness::RunCommand({"docker", "exec", "-d", id, "sh", "-c", kLoadOn}, seconds(30));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->exit_code, 0) << name << ": " << r->err;
      loaded_.push_back(id);
    }
  }

  void LoadOff() {
    for (const std::string& id : loaded_) {
      (void)harness::RunCommand({"docker", "exec", id, "sh", "-c", kLoadOff}, seconds(30));
    }
    loaded_.clear();
  }

  std::vector<json> ScaleEvents(const std::string& type) {
    json list = Get("/v1/events?type=" + type + "&subject=" + harness::UrlEncode("ServerGroup/" + group_));
    std::vector<json> out;
    if (list.is_object() && list.contains("items")) {
      for (const json& e : list["items"]) out.push_back(e);
    } else if (list.is_array()) {
      for (const json& e : list) out.push_back(e);
    }
    return out;
  }

  std::string Diagnostics() {
    std::string out = "group: " + Get("/v1/server-groups/" + group_).dump() + "\nhosts:\n";
    for (const auto& [name, s] : Hosts()) out += "  " + name + " " + s.dump() + "\n";
    out += "scaling: " + Get("/v1/server-groups/" + group_ + "/scaling").dump() + "\n";
    out += "server log:\n" + server_->LogTail();
    return out;
  }

  std::map<std::string, std::string> Containers() {
    const std::string filter = json{{"label", {"io.kelola.group=" + group_}}}.dump();
    auto r = engine_->Call("GET", "/containers/json?all=1&filters=" + harness::UrlEncode(filter));
    std::map<std::string, std::string> out;
    if (!r.ok() || r->status != 200) return out;
    for (const json& c : json::parse(r->body)) out[c["Id"]] = c["Names"][0];
    return out;
  }

  void RemoveGroupContainers() {
    for (const auto& [id, name] : Containers()) (void)engine_->Call("DELETE", "/containers/" + id + "?force=1");
    const std::string filter = json{{"label", {"io.kelola.group=" + group_}}}.dump();
    if (auto r = engine_->Call("GET", "/networks?filters=" + harness::UrlEncode(filter)); r.ok() && r->status == 200) {
      for (const json& n : json::parse(r->body))
        (void)engine_->Call("DELETE", "/networks/" + n["Id"].get<std::string>());
    }
  }

  static inline harness::DockerEngine* engine_ = nullptr;
  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::KelolaServer> server_;
  std::string group_;
  std::string agent_token_;
  std::map<std::string, std::unique_ptr<harness::ChildProcess>> agents_;
  std::vector<std::string> loaded_;
};

TEST_F(AutoscaleDockerE2eTest, CpuLoadGrowsTheGroupAndItsEndShrinksItWithoutFlapping) {
  Apply("kind: ServerGroup\nmetadata: {name: " + group_ + "}\nspec:\n  provider: docker\n  image: " + kImage +
        "\n  size: medium\n  count: 2\n  healthCheck:\n    tcp: {port: 22}\n    interval: 2s\n    timeout: 1s\n");
  ASSERT_TRUE(WaitFor(
      [&] {
        StartAgents();
        return ReadyHosts() == 2;
      },
      seconds(180)))
      << Diagnostics();
  // A quiet machine first, before the policy exists (the autoscaler would
  // otherwise act on other work's CPU): the test must be able to see its own load.
  double idle = -1;
  ASSERT_TRUE(WaitFor([&] { return (idle = GroupCpu()) >= 0; }, seconds(30))) << Diagnostics();
  if (!WaitFor([&] { return (idle = GroupCpu()) < 35; }, seconds(60))) {
    GTEST_SKIP() << "the machine is " << idle
                 << " % busy before any load (other work): a test driven by the whole machine's CPU cannot "
                    "tell when its load stops";
  }
  Apply("kind: ScalingPolicy\nmetadata: {name: " + group_ + "-cpu}\nspec:\n  group: " + group_ +
        "\n  minHosts: 2\n  maxHosts: 4\n"
        "  targetTracking: {metric: cpu_busy_percent, target: 50}\n"
        "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: " +
        std::to_string(kScaleDownWindowSeconds) + "\n");

  ASSERT_EQ(Count(), 2);

  // Load on: 4 busy loops on a 2-core machine.
  LoadOn();
  const auto load_on = std::chrono::system_clock::now();
  ASSERT_TRUE(WaitFor([&] { return Count() == 4; }, seconds(2 * kIntervalSeconds + 10))) << Diagnostics();
  const auto grew = std::chrono::system_clock::now();
  // Two evaluation periods, plus one agent sample (2 s) for the load to show.
  EXPECT_LE(std::chrono::duration_cast<seconds>(grew - load_on).count(), 2 * kIntervalSeconds + 3);
  ASSERT_TRUE(WaitFor(
      [&] {
        StartAgents();
        return ReadyHosts() == 4;
      },
      seconds(180)))
      << Diagnostics();

  auto explain = server_->Cli({"scale", "explain", group_});
  ASSERT_TRUE(explain.ok() && explain->exit_code == 0) << (explain.ok() ? explain->err : "");
  EXPECT_NE(explain->out.find("cpu_busy_percent"), std::string::npos) << explain->out;
  // The last decision reached 4 (in one step or two: the load shows as the
  // agents sample it, like an HPA's).
  EXPECT_NE(explain->out.find("-> 4"), std::string::npos) << explain->out;

  // Load off: back to 2 after the window, not before, and no lower.
  LoadOff();
  const auto load_off = std::chrono::system_clock::now();
  ASSERT_TRUE(WaitFor([&] { return Count() == 2; }, seconds(kScaleDownWindowSeconds + 120))) << Diagnostics();
  const auto shrank = std::chrono::system_clock::now();
  EXPECT_GE(std::chrono::duration_cast<seconds>(shrank - load_off).count(),
            kScaleDownWindowSeconds - kIntervalSeconds - 2);
  // It stays there: a few more evaluations change nothing.
  std::this_thread::sleep_for(seconds(3 * kIntervalSeconds));  // real time: letting evaluations happen
  EXPECT_EQ(Count(), 2);

  std::vector<json> actions = ScaleEvents("scale.action");
  ASSERT_GE(actions.size(), 2u) << Diagnostics();
  int direction = 1, reversals = 0;
  for (const json& e : actions) {
    const json& d = e["data"];
    EXPECT_GE(d["desired"].get<int>(), 2) << d.dump();
    EXPECT_LE(d["desired"].get<int>(), 4) << d.dump();
    const int now = d["desired"].get<int>() > d["current"].get<int>() ? 1 : -1;
    if (now != direction) ++reversals;
    direction = now;
  }
  EXPECT_EQ(reversals, 1) << "scale actions went up and down more than once (flapping)";
  // Out in at most two steps (2 -> 3 -> 4) and in at most two: never more.
  EXPECT_LE(actions.size(), 4u) << "more scale actions than 2..4 hosts need";
  EXPECT_EQ(actions.back()["data"]["desired"], 2);
}

}  // namespace
}  // namespace kelola
