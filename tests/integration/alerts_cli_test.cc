// `kelola alerts` as a user runs it: the real server on a free port, silences
// created, listed and expired with the CLI (events included), and bad
// matchers and routes refused with exit code 2 and where.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using harness::CommandResult;
using json = nlohmann::json;

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b ? b : "kelola";
}

class AlertsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(harness::TempDir::Create("kelola-alerts-it").value());
    home_ = dir_->File("home");
    ::mkdir(home_.c_str(), 0700);
  }

  void StartServer() {
    port_ = harness::FreePort().value();
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    auto child =
        harness::ChildProcess::Spawn({.argv = {Binary(), "server", "--listen", "127.0.0.1:" + std::to_string(port_),
                                               "--data-dir", dir_->File("data")},
                                      .log_path = dir_->File("server.log")});
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    server_ = std::move(*child);
    for (int i = 0; i < 600 && !harness::PortAcceptsConnections(port_); ++i) {
      ASSERT_TRUE(server_->Running()) << harness::TailOfFile(dir_->File("server.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(harness::PortAcceptsConnections(port_)) << harness::TailOfFile(dir_->File("server.log"));
    for (int i = 0; i < 200 && !harness::ReadFile(dir_->File("data/admin.token")).ok(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    token_ = harness::ReadFile(dir_->File("data/admin.token")).value();
    while (!token_.empty() && token_.back() == '\n') token_.pop_back();
  }

  CommandResult Cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "/usr/bin/env",           "-i",    "HOME=" + home_, "PATH=/usr/bin:/bin", "KELOLA_SERVER=" + url_,
        "KELOLA_TOKEN=" + token_, Binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = harness::RunCommand(argv, std::chrono::seconds(60));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::string home_;
  std::unique_ptr<harness::ChildProcess> server_;
  int port_ = 0;
  std::string url_, token_;
};

TEST_F(AlertsCliTest, SilenceListUnsilenceWithEvents) {
  StartServer();
  auto created = Cli({"alerts", "silence", "service=\"api\"", "env=~\"prod|stage\"", "--duration", "1h", "--comment",
                      "deploy window"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string id = created.out.substr(0, created.out.find('\n'));
  ASSERT_FALSE(id.empty());

  auto listed = Cli({"alerts", "silences", "-o", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json items = json::parse(listed.out);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["metadata"]["name"], id);
  EXPECT_EQ(items[0]["status"]["state"], "active");
  EXPECT_EQ(items[0]["spec"]["matchers"], json::parse(R"(["service=\"api\"", "env=~\"prod|stage\""])"));
  EXPECT_EQ(items[0]["spec"]["comment"], "deploy window");

  auto expired = Cli({"alerts", "unsilence", id});
  ASSERT_EQ(expired.exit_code, 0) << expired.err;
  auto table = Cli({"alerts", "silences"});
  EXPECT_NE(table.out.find("expired"), std::string::npos) << table.out;

  auto events = Cli({"events", "--type", "alert.silence."});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_NE(events.out.find("alert.silence.created"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find("alert.silence.expired"), std::string::npos) << events.out;

  auto alerts = Cli({"alerts", "list", "--state", "firing", "-o", "json"});
  ASSERT_EQ(alerts.exit_code, 0) << alerts.err;
  EXPECT_EQ(json::parse(alerts.out), json::array());
  auto log = harness::ReadFile(dir_->File("server.log"));
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("alerting: leading"), std::string::npos) << "the alerting loop did not start";
}

TEST_F(AlertsCliTest, BadMatchersAreUsageErrors) {
  StartServer();
  auto typo = Cli({"alerts", "silence", "service~\"api\"", "--comment", "x"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("at offset 7: expected an operator"), std::string::npos) << typo.err;
  auto everything = Cli({"alerts", "silence", "service=~\".*\"", "--comment", "x"});
  EXPECT_NE(everything.exit_code, 0);
  EXPECT_NE(everything.err.find("must not match the empty string"), std::string::npos) << everything.err;
  auto filter = Cli({"alerts", "list", "--filter", "{service="});
  EXPECT_EQ(filter.exit_code, 2);
  EXPECT_NE(filter.err.find("--filter: at offset"), std::string::npos) << filter.err;
  auto missing = Cli({"alerts", "unsilence", "no-such-silence"});
  EXPECT_EQ(missing.exit_code, 1);
}

TEST_F(AlertsCliTest, BadRoutesStopTheServerWithTheirPosition) {
  struct Case {
    std::string yaml;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"alerting:\n  routes:\n    - receiver: nobody\n      matchers: ['service=\"api\"']\n",
            "alerting.routes[0]: receiver \"nobody\" is not configured"},
           {"alerting:\n  routes:\n    - receiver: x\n      matchers: ['service=~\"(\"']\n",
            "server.yaml:4:17: matchers: at offset 0: regex \"(\" of label service"},
       }) {
    ASSERT_TRUE(harness::WriteFile(dir_->File("server.yaml"), c.yaml).ok());
    auto r = harness::RunCommand(
        {Binary(), "server", "--config", dir_->File("server.yaml"), "--data-dir", dir_->File("data")});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 2) << c.yaml;
    EXPECT_NE(r->err.find(c.error), std::string::npos) << r->err;
  }
}

}  // namespace
}  // namespace kelola
