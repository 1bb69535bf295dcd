// Issue #7 end to end on the docker provider (the embedded default), the
// real `kelola server` against the real Docker engine: a group of 3 whose
// bootstrap runbook installs a small web app over SSH, all Ready and
// answering their HTTP health check; `docker kill` of one → replaced and
// Ready again with no request; scale 3 → 5 → 2; destroy leaves no container
// or network behind; SIGKILL of the server in the middle of an apply and a
// restart → exactly the wanted number of hosts, no orphans.
// The host image comes from scripts/build-host-image (cached; .ci/run builds it).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

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

bool WaitFor(const std::function<bool()>& cond, Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return cond();
}

class FleetDockerE2eTest : public ::testing::Test {
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
    auto dir = harness::TempDir::Create("kelola-fleet-e2e");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    group_ = "fe" + std::to_string(getpid() % 100000);
    RemoveGroupContainers();  // a crashed earlier run's leftovers
    auto keygen = harness::RunCommand(
        {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleet-e2e", "-f", dir_->File("id_ed25519")});
    ASSERT_TRUE(keygen.ok() && keygen->exit_code == 0);
    auto server = harness::KelolaServer::Start({.data_dir = dir_->File("data")});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    auto key = harness::ReadFile(dir_->File("id_ed25519"));
    ASSERT_TRUE(key.ok());
    std::string indented;
    for (size_t i = 0; i < key->size(); ++i) {
      if (i == 0 || (*key)[i - 1] == '\n') indented += "    ";
      indented += (*key)[i];
    }
    Apply("kind: Secret\nmetadata: {name: fleet-key}\nspec:\n  type: ssh-private-key\n  value: |\n" + indented);
  }

  void TearDown() override {
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

  void ApplyGroup(int count) {
    Apply("kind: ServerGroup\nmetadata: {name: " + group_ +
          "}\nspec:\n"
          "  provider: docker\n  image: " +
          kImage + "\n  size: nano\n  count: " + std::to_string(count) +
          "\n  labels: {app: web}\n"
          "  bootstrap:\n    sshKeySecret: fleet-key\n    timeout: 2m\n    runbook: |\n"
          "      name: web app\n      steps:\n"
          "        - name: content\n          command: mkdir -p /srv && echo hello > /srv/index.html\n"
          "          creates: /srv/index.html\n"
          "        - name: web server\n"
          "          service: {name: web, state: started, command: \"busybox httpd -f -p 8080 -h /srv\", "
          "pidfile: /run/web.pid}\n"
          "  healthCheck:\n    http: {port: 8080, path: /index.html}\n    interval: 2s\n    timeout: 1s\n"
          "    unhealthyThreshold: 2\n");
  }

  json Get(const std::string& path) {
    auto r = harness::HttpCall(
        {.url = server_->url() + path, .headers = {"Authorization: Bearer " + server_->AdminToken()}});
    if (!r.ok() || r->status != 200) return json();
    json doc = json::parse(r->body, nullptr, false);
    return doc.is_discarded() ? json() : doc;
  }

  // Host name -> status of the group's Host resources.
  std::map<std::string, json> Hosts() {
    std::map<std::string, json> out;
    json list = Get("/v1/hosts?labelSelector=" + harness::UrlEncode("kelola.io/group=" + group_));
    if (!list.contains("items")) return out;
    for (const json& h : list["items"]) out[h["metadata"]["name"]] = h.value("status", json::object());
    return out;
  }

  int ReadyHosts() {
    int n = 0;
    for (const auto& [name, s] : Hosts()) n += s.value("state", "") == "Ready" ? 1 : 0;
    return n;
  }

  bool Converged(int count) {
    json g = Get("/v1/server-groups/" + group_);
    const json s = g.value("status", json::object());
    return s.value("phase", "") == "Ready" && s.value("ready", -1) == count &&
           static_cast<int>(Containers().size()) == count && static_cast<int>(Hosts().size()) == count;
  }

  std::string Diagnostics() {
    std::string out = "group: " + Get("/v1/server-groups/" + group_).dump() + "\nhosts:\n";
    for (const auto& [name, s] : Hosts()) out += "  " + name + " " + s.dump() + "\n";
    out += "containers: " + std::to_string(Containers().size()) + "\nserver log:\n" + server_->LogTail();
    return out;
  }

  // The group's containers (running or not): id -> name.
  std::map<std::string, std::string> Containers() {
    const std::string filter = json{{"label", {"io.kelola.group=" + group_}}}.dump();
    auto r = engine_->Call("GET", "/containers/json?all=1&filters=" + harness::UrlEncode(filter));
    std::map<std::string, std::string> out;
    if (!r.ok() || r->status != 200) return out;
    for (const json& c : json::parse(r->body)) out[c["Id"]] = c["Names"][0];
    return out;
  }

  int Networks() {
    const std::string filter = json{{"label", {"io.kelola.group=" + group_}}}.dump();
    auto r = engine_->Call("GET", "/networks?filters=" + harness::UrlEncode(filter));
    return r.ok() && r->status == 200 ? static_cast<int>(json::parse(r->body).size()) : -1;
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
};

TEST_F(FleetDockerE2eTest, GroupIsBootstrappedHealsScalesAndIsDestroyed) {
  ApplyGroup(3);
  ASSERT_TRUE(WaitFor([&] { return Converged(3); }, seconds(180))) << Diagnostics();
  // Every host serves the app the runbook installed.
  for (const auto& [name, s] : Hosts()) {
    auto page =
        harness::HttpCall({.url = "http://" + s.value("address", "") + ":8080/index.html", .timeout = seconds(5)});
    ASSERT_TRUE(page.ok()) << name << ": " << page.status().ToString();
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->body, "hello\n");
  }

  // Self-healing: a killed server is replaced without any request.
  const auto before = Hosts();
  const std::string victim = before.begin()->first;
  auto killed = engine_->Call("POST", "/containers/" + victim + "/kill");
  ASSERT_TRUE(killed.ok() && killed->status == 204) << (killed.ok() ? killed->body : killed.status().ToString());
  ASSERT_TRUE(WaitFor([&] { return Converged(3) && !Hosts().count(victim); }, seconds(120))) << Diagnostics();

  // Scale 3 -> 5 -> 2.
  ApplyGroup(5);
  ASSERT_TRUE(WaitFor([&] { return Converged(5); }, seconds(180))) << Diagnostics();
  ApplyGroup(2);
  ASSERT_TRUE(WaitFor([&] { return Converged(2); }, seconds(120))) << Diagnostics();

  // Destroy: nothing left behind.
  auto destroyed = server_->Cli({"fleet", "destroy", group_});
  ASSERT_TRUE(destroyed.ok() && destroyed->exit_code == 0) << (destroyed.ok() ? destroyed->err : "");
  ASSERT_TRUE(
      WaitFor([&] { return Get("/v1/server-groups/" + group_).is_null() && Containers().empty(); }, seconds(120)))
      << Diagnostics();
  EXPECT_EQ(Networks(), 0);
  EXPECT_TRUE(Hosts().empty());
}

TEST_F(FleetDockerE2eTest, ServerKilledMidApplyLeavesExactlyTheWantedHosts) {
  ApplyGroup(4);
  // Kill as soon as the first host intent is stored: launches are in flight.
  ASSERT_TRUE(WaitFor([&] { return !Hosts().empty(); }, seconds(30))) << Diagnostics();
  server_->Kill();
  ASSERT_TRUE(server_->Restart().ok()) << server_->LogTail();
  ASSERT_TRUE(WaitFor([&] { return Converged(4); }, seconds(240))) << Diagnostics();
  std::set<std::string> names;
  for (const auto& [id, name] : Containers()) names.insert(name);
  EXPECT_EQ(names.size(), 4u);
}

}  // namespace
}  // namespace kelola
