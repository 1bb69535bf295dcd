// Host metrics end to end with the real binary: `kelola agent` samples /proc
// and ships to `kelola server`, whose GET /v1/metrics/query answers with the
// host's points, also after a restart (snapshot); and a real Prometheus
// scrapes the agent's /metrics and answers PromQL through PrometheusSource.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "integrations/prometheus/prometheus_client.h"
#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/prometheus_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class HostMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-metrics-it");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    ASSERT_TRUE(harness::WriteFile(dir_->File("app.log"), "").ok());
  }
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "agent log:\n" << harness::TailOfFile(dir_->File("agent.log")) << "\n";
      if (server_) std::cerr << "server log:\n" << server_->LogTail() << "\n";
    }
    if (agent_) agent_->Stop(seconds(5));
  }

  void StartServer() {
    auto server = harness::KelolaServer::Start({.data_dir = dir_->File("data"),
                                                .log_path = dir_->File("server.log"),
                                                .config_yaml = "metrics:\n  snapshot_interval: 1h\n"});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::string OperatorToken() {
    auto r = server_->Cli({"token", "create", "--name", "agent-1", "--role", "operator"});
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().ToString());
    std::string token = r.ok() ? r->out : "";
    while (!token.empty() && token.back() == '\n') token.pop_back();
    return token;
  }

  // With `tail_file`, the agent also ships app.log; without, it runs for host metrics only.
  void StartAgent(const std::string& server_url, const std::string& token, bool tail_file = true) {
    std::string yaml = "name: web-1\nserver: " + server_url + "\ntoken: " + token +
                       "\ndata_dir: " + dir_->File("agent") + "\nmetrics_listen: 127.0.0.1:0\n" +
                       (tail_file ? "file:\n  include: ['" + dir_->File("app.log") + "']\n" : std::string()) +
                       "retry:\n  initial_backoff: 100ms\n  max_backoff: 1s\n"
                       "metrics:\n  interval: 1s\n  group: web\n";
    ASSERT_TRUE(harness::WriteFile(dir_->File("agent.yaml"), yaml).ok());
    auto child =
        harness::ChildProcess::Spawn({.argv = {harness::KelolaBinary(), "agent", "--config", dir_->File("agent.yaml")},
                                      .log_path = dir_->File("agent.log")});
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    agent_ = std::move(*child);
  }

  // The agent prints its /metrics port once it runs.
  int AgentMetricsPort() {
    for (int i = 0; i < 300; ++i) {
      auto log = harness::ReadFile(dir_->File("agent.log"));
      if (log.ok()) {
        auto pos = log->rfind("metrics on port ");
        if (pos != std::string::npos) return std::atoi(log->c_str() + pos + 16);
      }
      std::this_thread::sleep_for(milliseconds(100));  // real time: waiting for a real process
    }
    return 0;
  }

  Result<harness::HttpReply> Get(const std::string& path_and_query) {
    return harness::HttpCall(
        {.url = server_->url() + path_and_query, .headers = {"Authorization: Bearer " + server_->AdminToken()}});
  }

  // Polls until `done(body)` or the timeout; returns the last body.
  json WaitFor(const std::string& path, const std::function<bool(const json&)>& done, Duration timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    json body;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = Get(path);
      if (r.ok() && r->status == 200) {
        body = json::parse(r->body, nullptr, false);
        if (!body.is_discarded() && done(body)) return body;
      }
      std::this_thread::sleep_for(milliseconds(200));  // real time: samples come every second
    }
    return body;
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::KelolaServer> server_;
  std::unique_ptr<harness::ChildProcess> agent_;
};

TEST_F(HostMetricsTest, AgentSamplesReachTheServersQueryApiAndSurviveARestart) {
  StartServer();
  StartAgent(server_->url(), OperatorToken());
  // CPU is a rate: it appears from the agent's second reading on.
  json range = WaitFor(
      "/v1/metrics/query?metric=cpu_busy_percent&host=web-1", [](const json& b) { return b["points"].size() >= 2; },
      seconds(30));
  ASSERT_GE(range["points"].size(), 2u) << range.dump();
  EXPECT_EQ(range["labels"]["host"], "web-1");
  EXPECT_EQ(range["labels"]["group"], "web");
  for (const auto& p : range["points"]) {
    EXPECT_GE(p[1].get<double>(), 0.0);
    EXPECT_LE(p[1].get<double>(), 100.0);
  }
  json agg = WaitFor(
      "/v1/metrics/query?metric=memory_used_percent&group=web&agg=avg&window=1m",
      [](const json& b) { return b["hosts"] == 1; }, seconds(10));
  ASSERT_EQ(agg["hosts"], 1) << agg.dump();
  EXPECT_GT(agg["value"].get<double>(), 0.0);
  EXPECT_LE(agg["value"].get<double>(), 100.0);
  auto other = Get("/v1/metrics/query?metric=memory_used_percent&group=db&agg=max&window=1m");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(json::parse(other->body)["value"], nullptr);

  // Bad parameters are 400s naming the parameter.
  auto bad = Get("/v1/metrics/query?metric=load1&group=web&agg=median");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("agg"), std::string::npos) << bad->body;
  bad = Get("/v1/metrics/query?metric=load1&host=web-1&step=soon");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("query parameter step"), std::string::npos) << bad->body;
  auto post = harness::HttpCall({.method = "POST",
                                 .url = server_->url() + "/v1/metrics/samples",
                                 .headers = {"Authorization: Bearer " + server_->AdminToken()},
                                 .body = R"({"host":"web-1","samples":[{"time":1,"values":{"load1":"high"}}]})"});
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 400);
  EXPECT_NE(post->body.find("samples[0].values.load1"), std::string::npos) << post->body;
  auto anonymous = harness::HttpCall({.method = "POST", .url = server_->url() + "/v1/metrics/samples", .body = "{}"});
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);

  // The agent stops; the server's snapshot at shutdown keeps what it had.
  agent_->Stop(seconds(5));
  agent_.reset();
  auto before = Get("/v1/metrics/query?metric=load1&host=web-1");
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->status, 200) << before->body;
  size_t points = json::parse(before->body)["points"].size();
  ASSERT_GT(points, 0u);
  server_->Stop();
  ASSERT_TRUE(server_->Restart().ok());
  auto after = Get("/v1/metrics/query?metric=load1&host=web-1");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(json::parse(after->body)["points"].size(), points) << after->body;
}

TEST_F(HostMetricsTest, PrometheusScrapesTheAgentAndAnswersPromQL) {
  auto nowhere = harness::FreePort();  // the agent has no server here; /metrics still serves
  ASSERT_TRUE(nowhere.ok());
  StartAgent("http://127.0.0.1:" + std::to_string(*nowhere), "unused", /*tail_file=*/false);
  int port = AgentMetricsPort();
  ASSERT_NE(port, 0);
  auto prom = harness::PrometheusServer::Start({.scrape_targets = {"127.0.0.1:" + std::to_string(port)}});
  if (prom.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << prom.status().message();
  ASSERT_TRUE(prom.ok()) << prom.status().ToString();
  prometheus::PrometheusSource source({.url = (*prom)->url()});
  Result<double> cpu = NotFoundError("not queried yet");
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    cpu = source.Instant({.promql = "avg(kelola_host_cpu_busy_percent)"});
    if (cpu.ok()) break;
    std::this_thread::sleep_for(milliseconds(250));  // real time: Prometheus scrapes every second
  }
  ASSERT_TRUE(cpu.ok()) << cpu.status().ToString() << "\n" << harness::TailOfFile((*prom)->log_path());
  EXPECT_GE(*cpu, 0.0);
  EXPECT_LE(*cpu, 100.0);
  auto disk = source.Instant({.promql = "max(kelola_host_disk_used_percent{mountpoint=\"/\"})"});
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  EXPECT_GT(*disk, 0.0);
  auto load = source.Instant({.promql = "kelola_host_load1"});
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_GE(*load, 0.0);
}

}  // namespace
}  // namespace kelola
