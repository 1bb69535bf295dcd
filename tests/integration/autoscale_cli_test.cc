// The live autoscaler in the real `kelola server`, without Docker: a
// ServerGroup (provider static), a dry-run policy whose schedule asks for 2
// hosts, and `kelola scale explain` printing the decision the controller
// recorded (table and -o json) while the count stays 1; without dry-run the
// count changes; `kelola apply` of a policy naming an unknown group or metric
// fails with the field named.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/harness/http_call.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;

class AutoscaleCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-autoscale-cli");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    auto server =
        harness::KelolaServer::Start({.data_dir = dir_->File("data"), .config_yaml = "autoscaler:\n  interval: 1s\n"});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  harness::CommandResult Apply(const std::string& yaml) {
    const std::string path = dir_->File("apply.yaml");
    EXPECT_TRUE(harness::WriteFile(path, yaml).ok());
    auto r = server_->Cli({"apply", "-f", path});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : harness::CommandResult{};
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::KelolaServer> server_;
};

TEST_F(AutoscaleCliTest, ExplainShowsTheRecordedDryRunDecision) {
  auto group = Apply(
      "kind: ServerGroup\nmetadata: {name: web}\nspec:\n  provider: static\n  count: 1\n"
      "  staticHosts:\n    - {address: 127.0.0.1, port: 1}\n");
  ASSERT_EQ(group.exit_code, 0) << group.out << group.err;
  auto policy = Apply(
      "kind: ScalingPolicy\nmetadata: {name: web-office}\nspec:\n  group: web\n  minHosts: 1\n  maxHosts: 3\n"
      "  scheduled:\n    - {cron: '* * * * *', min: 2}\n  dryRun: true\n");
  ASSERT_EQ(policy.exit_code, 0) << policy.out << policy.err;

  json doc;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = server_->Cli({"scale", "explain", "web", "-o", "json"});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->exit_code, 0) << r->err;
    doc = json::parse(r->out, nullptr, false);
    if (doc.is_object() && doc["lastDecision"].is_object()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // real time: the real controller's interval
  }
  ASSERT_TRUE(doc.is_object() && doc["lastDecision"].is_object()) << doc.dump() << server_->LogTail();
  const json& d = doc["lastDecision"];
  EXPECT_EQ(d["current"], 1);
  EXPECT_EQ(d["desired"], 2);
  EXPECT_EQ(d["dryRun"], true);
  EXPECT_EQ(d["acted"], false);
  EXPECT_EQ(d["policies"][0]["limit"], "min");
  EXPECT_EQ(doc["count"], 1);  // dry run: never changed

  auto table = server_->Cli({"scale", "explain", "web"});
  ASSERT_TRUE(table.ok() && table->exit_code == 0);
  EXPECT_NE(table->out.find("server-group/web: count 1, 1 scaling policy"), std::string::npos) << table->out;
  EXPECT_NE(table->out.find(": 1 -> 2 (dry-run, not acted)"), std::string::npos) << table->out;
  EXPECT_NE(table->out.find("web-office"), std::string::npos) << table->out;
  EXPECT_NE(table->out.find("web: 1 -> 2 hosts (policy web-office)"), std::string::npos) << table->out;

  auto events = harness::HttpCall({.url = server_->url() + "/v1/events?type=scale.decision",
                                   .headers = {"Authorization: Bearer " + server_->AdminToken()}});
  ASSERT_TRUE(events.ok() && events->status == 200);
  json items = json::parse(events->body)["items"];
  ASSERT_EQ(items.size(), 1u) << events->body;  // the same decision every second is one event
  EXPECT_EQ(items[0]["subject"], "ServerGroup/web");
  EXPECT_EQ(items[0]["actor"], "autoscaler");

  auto missing = server_->Cli({"scale", "explain", "nope"});
  ASSERT_TRUE(missing.ok());
  EXPECT_NE(missing->exit_code, 0);
  EXPECT_NE(missing->err.find("server group \"nope\" not found"), std::string::npos) << missing->err;
}

// Not a dry run: the leader-elected controller of the real server writes the
// count (through its fenced store) and records a scale.action.
TEST_F(AutoscaleCliTest, APolicyThatAsksForMoreHostsChangesTheCount) {
  ASSERT_EQ(Apply("kind: ServerGroup\nmetadata: {name: web}\nspec:\n  provider: static\n  count: 1\n"
                  "  staticHosts:\n    - {address: 127.0.0.1, port: 1}\n    - {address: 127.0.0.2, port: 1}\n")
                .exit_code,
            0);
  ASSERT_EQ(Apply("kind: ScalingPolicy\nmetadata: {name: web-floor}\nspec:\n  group: web\n  minHosts: 2\n"
                  "  maxHosts: 2\n  scheduled:\n    - {cron: '* * * * *', min: 2}\n")
                .exit_code,
            0);
  int count = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto g = harness::HttpCall({.url = server_->url() + "/v1/server-groups/web",
                                .headers = {"Authorization: Bearer " + server_->AdminToken()}});
    ASSERT_TRUE(g.ok() && g->status == 200);
    count = json::parse(g->body)["spec"].value("count", 0);
    if (count == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // real time: the real controller's interval
  }
  ASSERT_EQ(count, 2) << server_->LogTail();
  auto events = harness::HttpCall({.url = server_->url() + "/v1/events?type=scale.action",
                                   .headers = {"Authorization: Bearer " + server_->AdminToken()}});
  ASSERT_TRUE(events.ok() && events->status == 200);
  json items = json::parse(events->body)["items"];
  ASSERT_EQ(items.size(), 1u) << events->body;
  EXPECT_EQ(items[0]["data"]["current"], 1);
  EXPECT_EQ(items[0]["data"]["desired"], 2);
  EXPECT_EQ(items[0]["data"]["acted"], true);
  auto explain = server_->Cli({"scale", "explain", "web"});
  ASSERT_TRUE(explain.ok() && explain->exit_code == 0);
  EXPECT_NE(explain->out.find(": 1 -> 2 (acted)"), std::string::npos) << explain->out;
}

TEST_F(AutoscaleCliTest, ApplyRefusesAnUnknownGroupOrMetric) {
  auto group = Apply(
      "kind: ScalingPolicy\nmetadata: {name: p}\nspec:\n  group: nope\n  maxHosts: 3\n"
      "  targetTracking: {metric: cpu_busy_percent, target: 50}\n");
  EXPECT_NE(group.exit_code, 0);
  EXPECT_NE(group.err.find("spec.group: server group \"nope\" not found"), std::string::npos) << group.err;
  ASSERT_EQ(Apply("kind: ServerGroup\nmetadata: {name: web}\nspec:\n  provider: static\n  count: 1\n"
                  "  staticHosts:\n    - {address: 127.0.0.1, port: 1}\n")
                .exit_code,
            0);
  auto metric = Apply(
      "kind: ScalingPolicy\nmetadata: {name: p}\nspec:\n  group: web\n  maxHosts: 3\n"
      "  targetTracking: {metric: cpu, target: 50}\n");
  EXPECT_NE(metric.exit_code, 0);
  EXPECT_NE(metric.err.find("spec.targetTracking.metric: unknown metric \"cpu\""), std::string::npos) << metric.err;
}

}  // namespace
}  // namespace kelola
