// Webhook intake with the real `kelola server`: signed GitHub deliveries (the
// real payload examples, signed here) become queued runs, a replay is not
// queued twice, and queued runs and stored deliveries survive a restart —
// including a SIGKILL right after the 202.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "net/http_client.h"
#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;

const char* kSecret = "It's a Secret to Everybody";
const char* kPushExample = "/work/shared/data/github-webhooks/push/with-new-branch.payload.json";

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b ? b : "kelola";
}

class PipelineHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-hooks-it");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    home_ = dir_->File("home");
    ::mkdir(home_.c_str(), 0700);
    auto port = harness::FreePort();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  void StartServer() {
    std::vector<std::string> argv = {Binary(),     "server",          "--listen", "127.0.0.1:" + std::to_string(port_),
                                     "--data-dir", dir_->File("data")};
    // This test is about intake: no replica runs the runs it queues
    // (pipeline_run_test.cc runs them).
    auto child = harness::ChildProcess::Spawn(
        {.argv = argv, .log_path = dir_->File("server.log"), .env = {"KELOLA_RUNS_MAX_CONCURRENT=0"}});
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    server_ = std::move(*child);
    for (int i = 0; i < 600 && !harness::PortAcceptsConnections(port_); ++i) {
      ASSERT_TRUE(server_->Running()) << harness::TailOfFile(dir_->File("server.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(harness::PortAcceptsConnections(port_)) << harness::TailOfFile(dir_->File("server.log"));
  }

  std::string AdminToken() {
    auto t = harness::ReadFile(dir_->File("data/admin.token"));
    EXPECT_TRUE(t.ok());
    std::string s = t.ok() ? *t : "";
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }

  harness::CommandResult Cli(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "-i",
                                     "HOME=" + home_,
                                     "PATH=/usr/bin:/bin",
                                     "KELOLA_SERVER=" + url_,
                                     "KELOLA_TOKEN=" + AdminToken(),
                                     Binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = harness::RunCommand(argv, std::chrono::seconds(60), input);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : harness::CommandResult{};
  }

  int Deliver(const std::string& body, const std::string& delivery, const std::string& secret = kSecret) {
    ClientRequest req;
    req.method = "POST";
    req.url = url_ + "/v1/hooks/github";
    req.headers["Content-Type"] = "application/json";
    req.headers["X-GitHub-Event"] = "push";
    req.headers["X-GitHub-Delivery"] = delivery;
    req.headers["X-Hub-Signature-256"] = "sha256=" + HexEncode(HmacSha256(secret, body));
    req.body = body;
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->status : 0;
  }

  json Runs() {
    auto r = Cli({"runs", "list", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json doc = json::parse(r.out, nullptr, false);
    return doc.is_array() ? doc : json::array();
  }

  // Waits (up to 45 s) until `count` runs are listed. After a SIGKILL the
  // dead server's controller leases must expire (15 s) before the restarted
  // one leads the inbox consumer.
  json WaitForRuns(size_t count) {
    json runs;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
    while (std::chrono::steady_clock::now() < deadline) {
      runs = Runs();
      if (runs.size() >= count) return runs;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return runs;
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::string home_;
  std::unique_ptr<harness::ChildProcess> server_;
  int port_ = 0;
  std::string url_;
  HttpClient client_{HttpClientOptions{.max_retries = 0}};
};

TEST_F(PipelineHooksTest, SignedPushQueuesARunThatSurvivesRestartsAndKills) {
  auto body = harness::ReadFile(kPushExample);
  if (!body.ok()) GTEST_SKIP() << "the shared webhook examples are not here";
  StartServer();
  const std::string resources = std::string(R"(kind: Secret
metadata: {name: hello-hook}
spec: {type: webhook-secret, value: ")") +
                                kSecret + R"("}
---
kind: Pipeline
metadata: {name: hello}
spec:
  forge: github
  repository: Codertocat/Hello-World
  webhookSecret: hello-hook
  branches: [master]
)";
  ASSERT_TRUE(harness::WriteFile(dir_->File("pipeline.yaml"), resources).ok());
  auto applied = Cli({"apply", "-f", dir_->File("pipeline.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  auto listed = Cli({"pipelines"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("hello"), std::string::npos);

  EXPECT_EQ(Deliver(*body, "d-1", "wrong secret"), 401);
  EXPECT_EQ(Deliver(*body, "d-1"), 202);
  json runs = WaitForRuns(1);
  ASSERT_EQ(runs.size(), 1u) << harness::TailOfFile(dir_->File("server.log"));
  EXPECT_EQ(runs[0]["sha"], "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
  EXPECT_EQ(runs[0]["ref"], "refs/heads/master");
  EXPECT_EQ(runs[0]["status"], "queued");
  const std::string first = runs[0]["id"];

  // A clean restart keeps the queued run; the replayed delivery is acknowledged, not queued.
  server_->Stop();
  StartServer();
  EXPECT_EQ(Deliver(*body, "d-1"), 200);
  runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], first);
  EXPECT_EQ(runs[0]["status"], "queued");

  // SIGKILL right after the 202: the delivery is in the store, so its run
  // is queued (before the kill or after the restart) exactly once.
  EXPECT_EQ(Deliver(*body, "d-2"), 202);
  ::kill(server_->pid(), SIGKILL);
  server_->Stop();
  StartServer();
  runs = WaitForRuns(2);
  ASSERT_EQ(runs.size(), 2u) << harness::TailOfFile(dir_->File("server.log"));
  EXPECT_EQ(runs[1]["id"], first);  // newest first
  EXPECT_EQ(runs[0]["deliveryId"], "d-2");

  auto got = Cli({"runs", "get", first});
  EXPECT_EQ(got.exit_code, 0) << got.err;
  EXPECT_NE(got.out.find("6113728f27ae82c7b1a177c8d03f9e96e0adf246"), std::string::npos);
  EXPECT_EQ(Cli({"runs", "retry", first}).exit_code, 1);  // still queued: nothing to retry
  EXPECT_EQ(Cli({"runs", "cancel", first}).exit_code, 0);
  auto retried = Cli({"runs", "retry", first, "-o", "json"});
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_EQ(json::parse(retried.out, nullptr, false)["status"], "queued");
  EXPECT_EQ(Cli({"runs", "get", "no-such-run"}).exit_code, 1);
}

}  // namespace
}  // namespace kelola
