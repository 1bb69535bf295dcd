// `kelola fleet` as a user runs it against the real server: plan, apply,
// get, hosts, describe, destroy; bad files refused with exit code 2 and
// file:line; the team quota (from the server's config file) refused with
// exit code 1 and the numbers. Whatever the group controller does with the
// group meanwhile is not asserted here (its own tests do that); the static
// provider on closed loopback ports keeps it from creating anything real.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "tests/harness/kelola_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using harness::CommandResult;
using json = nlohmann::json;

constexpr const char* kGroup = R"(apiVersion: kelola.io/v1
kind: ServerGroup
metadata:
  name: web
spec:
  provider: static
  team: web
  count: 3
  staticHosts:
    - {address: 127.0.0.1, port: 1}
    - {address: 127.0.0.1, port: 2}
    - {address: 127.0.0.1, port: 3}
    - {address: 127.0.0.1, port: 4}
    - {address: 127.0.0.1, port: 5}
  network:
    vpcCidr: 10.20.0.0/16
    subnets: [10.20.1.0/24]
  healthCheck:
    tcp: {port: 22}
)";

class FleetCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(harness::TempDir::Create("kelola-fleet-it").value());
    auto server = harness::KelolaServer::Start({.data_dir = dir_->File("data"),
                                                .log_path = dir_->File("server.log"),
                                                .config_yaml = "fleet:\n  quota:\n    teams: [web=4]\n"});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  CommandResult Cli(const std::vector<std::string>& args) {
    auto r = server_->Cli(args);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_->File(name);
    EXPECT_TRUE(harness::WriteFile(path, content).ok());
    return path;
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::KelolaServer> server_;
};

TEST_F(FleetCliTest, PlanApplyGetDescribeDestroy) {
  const std::string file = Write("group.yaml", kGroup);
  auto plan = Cli({"fleet", "plan", "-f", file});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("server-group/web (new):"), std::string::npos) << plan.out;
  for (const char* host : {"+ host web-1", "+ host web-2", "+ host web-3"}) {
    EXPECT_NE(plan.out.find(host), std::string::npos) << plan.out;
  }
  EXPECT_NE(plan.out.find("0 to change, 0 to destroy."), std::string::npos) << plan.out;
  auto absent = Cli({"get", "server-groups", "web"});
  EXPECT_EQ(absent.exit_code, 1) << "plan stores nothing";

  auto apply = Cli({"fleet", "apply", "-f", file});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_NE(apply.out.find("server-group/web applied (generation 1)"), std::string::npos) << apply.out;

  auto get = Cli({"fleet", "get"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_NE(get.out.find("NAME"), std::string::npos);
  EXPECT_NE(get.out.find("web"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("static"), std::string::npos) << get.out;
  auto get_json = Cli({"fleet", "get", "web", "-o", "json"});
  ASSERT_EQ(get_json.exit_code, 0) << get_json.err;
  json g = json::parse(get_json.out);
  EXPECT_EQ(g["spec"]["count"], 3);
  EXPECT_EQ(g["spec"]["team"], "web");

  auto hosts = Cli({"fleet", "hosts", "web"});
  EXPECT_EQ(hosts.exit_code, 0) << hosts.err;
  auto describe = Cli({"fleet", "describe", "web"});
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("Name:"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("10.20.0.0/16, subnets 10.20.1.0/24"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("Hosts:"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("Events (newest last):"), std::string::npos) << describe.out;
  EXPECT_EQ(Cli({"fleet", "describe", "nope"}).exit_code, 1);

  auto destroy = Cli({"fleet", "destroy", "web"});
  ASSERT_EQ(destroy.exit_code, 0) << destroy.err;
  EXPECT_NE(destroy.out.find("destroy requested"), std::string::npos) << destroy.out;
  auto events = Cli({"events", "--type", "fleet.", "-o", "json"});
  EXPECT_NE(events.out.find("fleet.group.destroy-requested"), std::string::npos) << events.out;
  // Until the controller has torn it down, the group stays, marked.
  auto after = Cli({"get", "server-groups", "web", "-o", "json"});
  if (after.exit_code == 0) {
    EXPECT_EQ(json::parse(after.out)["metadata"]["labels"]["kelola.io/deleting"], "true") << after.out;
    auto again = Cli({"fleet", "apply", "-f", file});
    EXPECT_EQ(again.exit_code, 1) << again.err;
    EXPECT_NE(again.err.find("being destroyed"), std::string::npos) << again.err;
  }
}

TEST_F(FleetCliTest, BadFilesAreExitCodeTwoWithFileAndLine) {
  auto yaml = Cli({"fleet", "apply", "-f", Write("broken.yaml", "kind: ServerGroup\nmetadata:\n  name: [web\n")});
  EXPECT_EQ(yaml.exit_code, 2);
  // yaml-cpp reports the unterminated flow sequence where the input ends.
  EXPECT_NE(yaml.err.find("broken.yaml:4:1: end of sequence flow not found"), std::string::npos) << yaml.err;

  auto kind = Cli({"fleet", "plan", "-f",
                   Write("host.yaml", std::string(kGroup) + "---\nkind: Host\nmetadata:\n"
                                                            "  name: h\nspec: {}\n")});
  EXPECT_EQ(kind.exit_code, 2);
  // The second document's first line: after the group's lines and the "---".
  const std::string line = std::to_string(std::count(kGroup, kGroup + std::strlen(kGroup), '\n') + 2);
  EXPECT_NE(kind.err.find("host.yaml:" + line + ": "), std::string::npos) << kind.err;
  EXPECT_NE(kind.err.find("kind: expected \"ServerGroup\", got \"Host\""), std::string::npos) << kind.err;

  std::string overlap = kGroup;
  overlap.replace(overlap.find("[10.20.1.0/24]"), 14, "[10.20.0.0/23, 10.20.1.0/24]");
  auto invalid = Cli({"fleet", "apply", "-f", Write("overlap.yaml", overlap)});
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_NE(invalid.err.find("overlap.yaml:1"), std::string::npos) << invalid.err;
  EXPECT_NE(invalid.err.find("spec.network.subnets[1]"), std::string::npos) << invalid.err;
  EXPECT_EQ(Cli({"get", "server-groups", "web"}).exit_code, 1) << "nothing stored";

  auto timeout = Cli({"fleet", "apply", "-f", Write("ok.yaml", kGroup), "--wait", "--timeout", "soon"});
  EXPECT_EQ(timeout.exit_code, 2) << timeout.err;
}

TEST_F(FleetCliTest, QuotaFromTheServerConfigIsRefusedWithTheNumbers) {
  std::string five = kGroup;
  five.replace(five.find("count: 3"), 8, "count: 5");
  auto plan = Cli({"fleet", "plan", "-f", Write("five.yaml", five)});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("warning: quota exceeded"), std::string::npos) << plan.out;
  auto refused = Cli({"fleet", "apply", "-f", dir_->File("five.yaml")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("team \"web\" may run at most 4 servers"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("(5 in all)"), std::string::npos) << refused.err;
  auto audit = Cli({"events", "--type", "audit.fleet.", "-o", "json"});
  EXPECT_NE(audit.out.find("audit.fleet.quota-exceeded"), std::string::npos) << audit.out;
  EXPECT_EQ(Cli({"fleet", "apply", "-f", Write("three.yaml", kGroup)}).exit_code, 0);
}

}  // namespace
}  // namespace kelola
