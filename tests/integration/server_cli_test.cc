// `kelola server` and the CLI as a user runs them: the real binary on a free
// port, a fresh data directory, and the CLI's exit codes and output.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/sshd_fleet.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using harness::CommandResult;
using json = nlohmann::json;

class ServerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-it");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    home_ = dir_->File("home");
    ::mkdir(home_.c_str(), 0700);
  }

  void StartServer(std::vector<std::string> extra = {}) {
    auto server = harness::KelolaServer::Start(
        {.data_dir = dir_->File("data"), .log_path = dir_->File("server.log"), .extra_args = extra});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    port_ = server_->port();
    url_ = server_->url();
    // The port serves a moment before the banner (URL, first token) is printed.
    for (int i = 0; i < 200; ++i) {
      auto log = harness::ReadFile(dir_->File("server.log"));
      if (log.ok() && log->find("running at") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string AdminToken() { return server_->AdminToken(); }

  // Runs the CLI with a clean environment pointing at this server.
  CommandResult Cli(std::vector<std::string> args, const std::string& token, const std::string& input = "") {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "HOME=" + home_, "PATH=/usr/bin:/bin",
                                     "KELOLA_SERVER=" + url_};
    if (!token.empty()) argv.push_back("KELOLA_TOKEN=" + token);
    argv.push_back(harness::KelolaBinary());
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = harness::RunCommand(argv, std::chrono::seconds(60), input);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::string home_;
  std::unique_ptr<harness::KelolaServer> server_;
  int port_ = 0;
  std::string url_;
};

constexpr const char* kHosts = R"(kind: Host
metadata:
  name: web-1
  labels: {env: prod}
spec:
  address: 10.0.0.5
---
kind: Host
metadata:
  name: web-2
  labels: {env: dev}
spec:
  address: 10.0.0.6
  port: 2222
)";

TEST_F(ServerCliTest, FirstStartCreatesAdminTokenOnce) {
  StartServer();
  std::string token = AdminToken();
  EXPECT_EQ(token.rfind("kl_", 0), 0u);
  struct stat st {};
  ASSERT_EQ(::stat(dir_->File("data/admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto log = harness::ReadFile(dir_->File("server.log"));
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find(token), std::string::npos) << "the token is printed once on first start";
  EXPECT_NE(log->find("running at " + url_), std::string::npos);

  server_->Stop();
  EXPECT_EQ(server_->exit_code(), 0) << harness::TailOfFile(dir_->File("server.log"));
  ::unlink(dir_->File("server.log").c_str());
  StartServer();
  EXPECT_EQ(AdminToken(), token);
  auto again = harness::ReadFile(dir_->File("server.log"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->find(token), std::string::npos) << "a restart must not print the token again";
  EXPECT_EQ(Cli({"version"}, token).exit_code, 0);
}

TEST_F(ServerCliTest, ApplyGetDeleteAndExitCodes) {
  StartServer();
  std::string token = AdminToken();
  ASSERT_TRUE(harness::WriteFile(dir_->File("hosts.yaml"), kHosts).ok());
  auto applied = Cli({"apply", "-f", dir_->File("hosts.yaml")}, token);
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("host/web-1 applied"), std::string::npos);

  auto table = Cli({"get", "hosts"}, token);
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("NAME"), std::string::npos);
  EXPECT_NE(table.out.find("web-2"), std::string::npos);

  auto selected = Cli({"get", "hosts", "-l", "env=prod", "-o", "json"}, token);
  ASSERT_EQ(selected.exit_code, 0) << selected.err;
  json list = json::parse(selected.out);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["spec"]["port"], 22);

  auto yaml = Cli({"get", "host", "web-2", "-o", "yaml"}, token);
  EXPECT_EQ(yaml.exit_code, 0);
  EXPECT_NE(yaml.out.find("port: 2222"), std::string::npos) << yaml.out;
  // What `get -o yaml` prints can be applied back unchanged.
  auto reapplied = Cli({"apply", "-f", "-"}, token, yaml.out);
  EXPECT_EQ(reapplied.exit_code, 0) << reapplied.err;

  auto missing = Cli({"get", "host", "nope"}, token);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("host \"nope\" not found"), std::string::npos) << missing.err;

  EXPECT_EQ(Cli({"delete", "host", "web-1"}, token).exit_code, 0);
  EXPECT_EQ(Cli({"get", "host", "web-1"}, token).exit_code, 1);
}

TEST_F(ServerCliTest, BadInputIsExitCodeTwoWithPosition) {
  StartServer();
  std::string token = AdminToken();
  ASSERT_TRUE(harness::WriteFile(dir_->File("bad.yaml"), "kind: Host\nmetadata: {name: a\nspec: {}\n").ok());
  auto syntax = Cli({"apply", "-f", dir_->File("bad.yaml")}, token);
  EXPECT_EQ(syntax.exit_code, 2);
  EXPECT_NE(syntax.err.find("bad.yaml:"), std::string::npos) << syntax.err;

  ASSERT_TRUE(
      harness::WriteFile(dir_->File("field.yaml"), "kind: Host\nmetadata: {name: a}\nspec: {address: x, port: nope}\n")
          .ok());
  auto field = Cli({"apply", "-f", dir_->File("field.yaml")}, token);
  EXPECT_EQ(field.exit_code, 2);
  EXPECT_NE(field.err.find("field.yaml:1"), std::string::npos) << field.err;
  EXPECT_NE(field.err.find("spec.port: expected an integer"), std::string::npos) << field.err;

  auto kind = Cli({"get", "widgets"}, token);
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_EQ(Cli({"no-such-verb"}, token).exit_code, 2);
  EXPECT_EQ(Cli({"get", "hosts", "-o", "xml"}, token).exit_code, 2);

  auto unauth = Cli({"get", "hosts"}, "kl_0000000000000000_wrong");
  EXPECT_EQ(unauth.exit_code, 1);
  EXPECT_NE(unauth.err.find("invalid token"), std::string::npos) << unauth.err;
  EXPECT_EQ(unauth.err.find("wrong"), std::string::npos) << "the presented token is never echoed";
}

TEST_F(ServerCliTest, BadServerConfigNamesFileLineColumn) {
  ASSERT_TRUE(harness::WriteFile(dir_->File("server.yaml"), "listen: 127.0.0.1:1\nlissten: x\n").ok());
  auto r = harness::RunCommand(
      {harness::KelolaBinary(), "server", "--config", dir_->File("server.yaml"), "--data-dir", dir_->File("data")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_NE(r->err.find("server.yaml:2:1: unknown key \"lissten\""), std::string::npos) << r->err;
}

TEST_F(ServerCliTest, TokensRolesAndAuditTrail) {
  StartServer();
  std::string admin = AdminToken();
  auto created = Cli({"token", "create", "--name", "dashboard", "--role", "viewer"}, admin);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string viewer = created.out.substr(0, created.out.find('\n'));
  ASSERT_TRUE(harness::WriteFile(dir_->File("hosts.yaml"), kHosts).ok());
  auto denied = Cli({"apply", "-f", dir_->File("hosts.yaml")}, viewer);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("has role viewer; this needs operator"), std::string::npos) << denied.err;
  EXPECT_EQ(Cli({"get", "hosts"}, viewer).exit_code, 0);

  auto events = Cli({"events", "--type", "audit.", "-o", "json"}, admin);
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_NE(events.out.find("\"audit.token.created\""), std::string::npos);
  EXPECT_NE(events.out.find("\"status\":403"), std::string::npos) << events.out;
  EXPECT_EQ(events.out.find(viewer), std::string::npos) << "token secrets never reach the event log";
}

TEST_F(ServerCliTest, SigtermDrainsAndDataSurvivesRestart) {
  StartServer();
  std::string token = AdminToken();
  ASSERT_TRUE(harness::WriteFile(dir_->File("hosts.yaml"), kHosts).ok());
  ASSERT_EQ(Cli({"apply", "-f", dir_->File("hosts.yaml")}, token).exit_code, 0);
  server_->Stop();  // SIGTERM
  EXPECT_EQ(server_->exit_code(), 0);
  StartServer();
  auto r = Cli({"get", "hosts", "-o", "json"}, token);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["items"].size(), 2u);
}

TEST_F(ServerCliTest, ExecRunsOverSshOnSelectedHosts) {
  auto fleet = harness::SshdFleet::Start(3);
  ASSERT_TRUE(fleet.ok()) << fleet.status().ToString();
  StartServer();
  std::string token = AdminToken();
  auto key = harness::ReadFile((*fleet)->client_key_path());
  ASSERT_TRUE(key.ok());
  json secret = {{"kind", "Secret"},
                 {"metadata", {{"name", "deploy-key"}}},
                 {"spec", {{"type", "ssh-private-key"}, {"value", *key}}}};
  auto applied_secret = Cli({"apply", "-f", "-"}, token, secret.dump());
  ASSERT_EQ(applied_secret.exit_code, 0) << applied_secret.err;
  std::string hosts;
  for (size_t i = 0; i < (*fleet)->hosts().size(); ++i) {
    const auto& h = (*fleet)->hosts()[i];
    hosts += "---\nkind: Host\nmetadata: {name: node-" + std::to_string(i) +
             ", labels: {role: " + (i == 0 ? "db" : "web") + "}}\nspec:\n  address: " + h.address +
             "\n  port: " + std::to_string(h.port) + "\n  user: " + (*fleet)->user() + "\n  hostKey: \"" +
             h.host_public_key + "\"\n  credentials: {sshKeySecret: deploy-key}\n";
  }
  auto applied = Cli({"apply", "-f", "-"}, token, hosts);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;

  auto run = Cli({"exec", "-l", "role=web", "echo from-$((6*7))"}, token);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 3) << run.out;  // two hosts and the summary
  EXPECT_NE(run.out.find("ok  node-1  exit=0  from-42"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Succeeded: 2 ok, 0 failed"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("node-0"), std::string::npos);

  auto failing = Cli({"exec", "--host", "node-0", "exit 4"}, token);
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_NE(failing.out.find("exit=4"), std::string::npos) << failing.out;

  auto nothing = Cli({"exec", "-l", "role=cache", "uptime"}, token);
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("role=cache"), std::string::npos) << nothing.err;

  auto listed = Cli({"get", "executions", "-o", "json"}, token);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(json::parse(listed.out)["items"].size(), 2u);
  EXPECT_EQ(listed.out.find("PRIVATE KEY"), std::string::npos);
  auto events = Cli({"events", "-o", "json"}, token);
  EXPECT_EQ(events.out.find("PRIVATE KEY"), std::string::npos) << "secrets never reach the event log";
}

// A file above http.max_body_bytes (8 MiB) copied to several hosts, each
// with its own filesystem: it travels through PUT /v1/files, is streamed to
// disk on the server and arrives intact on every host.
TEST_F(ServerCliTest, CopyOfAFileAboveTheBodyLimitReachesEveryHost) {
  harness::SshdFleetOptions fleet_options;
  fleet_options.private_dir = true;
  auto fleet = harness::SshdFleet::Start(3, fleet_options);
  if (fleet.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << fleet.status().message();
  ASSERT_TRUE(fleet.ok()) << fleet.status().ToString();
  StartServer();
  std::string token = AdminToken();
  auto key = harness::ReadFile((*fleet)->client_key_path());
  ASSERT_TRUE(key.ok());
  json secret = {{"kind", "Secret"},
                 {"metadata", {{"name", "deploy-key"}}},
                 {"spec", {{"type", "ssh-private-key"}, {"value", *key}}}};
  ASSERT_EQ(Cli({"apply", "-f", "-"}, token, secret.dump()).exit_code, 0);
  std::string hosts;
  for (size_t i = 0; i < (*fleet)->hosts().size(); ++i) {
    const auto& h = (*fleet)->hosts()[i];
    hosts += "---\nkind: Host\nmetadata: {name: node-" + std::to_string(i) +
             ", labels: {role: web}}\nspec:\n  address: " + h.address + "\n  port: " + std::to_string(h.port) +
             "\n  user: " + (*fleet)->user() + "\n  hostKey: \"" + h.host_public_key +
             "\"\n  credentials: {sshKeySecret: deploy-key}\n";
  }
  ASSERT_EQ(Cli({"apply", "-f", "-"}, token, hosts).exit_code, 0);

  // 9 MiB + 1 of varied bytes (not all one value: a broken chunk would show).
  std::string content(9 * 1024 * 1024 + 1, '\0');
  uint32_t x = 2463534242u;
  for (char& c : content) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  const std::string local = dir_->File("big.bin");
  ASSERT_TRUE(harness::WriteFile(local, content).ok());
  auto local_sum = harness::RunCommandOk({"sha256sum", local});
  ASSERT_TRUE(local_sum.ok());
  const std::string want = local_sum->out.substr(0, 64);
  const std::string dest = (*fleet)->private_dir() + "/big.bin";

  auto copied = Cli({"copy", local, dest, "-l", "role=web"}, token);
  EXPECT_EQ(copied.exit_code, 0) << copied.out << copied.err;
  EXPECT_NE(copied.out.find("Succeeded: 3 ok, 0 failed, 0 skipped, 3 changed"), std::string::npos) << copied.out;
  EXPECT_EQ(copied.err.find('\r'), std::string::npos) << "no progress line when stderr is not a terminal";
  for (size_t i = 0; i < (*fleet)->hosts().size(); ++i) {
    auto sum = harness::RunCommand((*fleet)->SshCommand(i, "sha256sum " + dest));
    ASSERT_TRUE(sum.ok()) << sum.status().ToString();
    EXPECT_EQ(sum->out.substr(0, 64), want) << "host " << i << ": " << sum->err;
  }
  EXPECT_FALSE(harness::ReadFile(dest).ok()) << "each host wrote into its own filesystem, not this one";
  auto stored = harness::ReadFile(dir_->File("data/files/sha256-" + want));
  ASSERT_TRUE(stored.ok()) << "the server keeps the upload by its digest";
  EXPECT_EQ(stored->size(), content.size());

  // Again: the server has the content (no upload) and every host has the file.
  auto again = Cli({"copy", local, dest, "-l", "role=web"}, token);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("3 ok, 0 failed, 0 skipped, 0 changed"), std::string::npos) << again.out;

  // A digest the server does not have is refused before anything runs.
  const std::string missing(64, 'a');
  json body = {{"selector", "role=web"}, {"copy", {{"file", "sha256:" + missing}, {"dest", dest}}}};
  auto refused = harness::RunCommand({"curl", "-s", "-o", "/dev/stdout", "-w", "\n%{http_code}", "-X", "POST", "-H",
                                      "Authorization: Bearer " + token, "-H", "Content-Type: application/json",
                                      "--data-binary", body.dump(), url_ + "/v1/executions"});
  ASSERT_TRUE(refused.ok());
  EXPECT_NE(refused->out.find("is not stored on the server"), std::string::npos) << refused->out;
  EXPECT_NE(refused->out.find("\n422"), std::string::npos) << refused->out;
  // And a body whose checksum is not the one in the path is refused.
  auto mismatch =
      harness::RunCommand({"curl", "-s", "-w", "\n%{http_code}", "-X", "PUT", "-H", "Authorization: Bearer " + token,
                           "--data-binary", "not this", url_ + "/v1/files/sha256:" + missing});
  ASSERT_TRUE(mismatch.ok());
  EXPECT_NE(mismatch->out.find("DIGEST_MISMATCH"), std::string::npos) << mismatch->out;
  EXPECT_NE(mismatch->out.find("\n400"), std::string::npos) << mismatch->out;
  // Without a token the upload is refused before its body is stored.
  auto anonymous = harness::RunCommand({"curl", "-s", "-w", "\n%{http_code}", "-X", "PUT", "--data-binary", "@" + local,
                                        url_ + "/v1/files/sha256:" + missing});
  ASSERT_TRUE(anonymous.ok());
  EXPECT_NE(anonymous->out.find("\n401"), std::string::npos) << anonymous->out;
}

}  // namespace
}  // namespace kelola
