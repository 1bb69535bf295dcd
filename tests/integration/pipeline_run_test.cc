// The pipeline runner end to end, with the real `kelola server`, the real
// Docker engine and docker-registry from tests/harness, a local bare git
// repository (file://) and a local HttpServer playing GitHub's commit
// Statuses API:
//   signed push webhook → host step compiles a static C program → its tests
//   run in a container → `build` makes a FROM-scratch image → `push` puts it
//   in the registry → the registry lists the tag under the run's digest →
//   statuses pending then success.
// Then: failing tests (no image, status failure, the output via the logs
// endpoint and `kelola runs logs`), a malformed .kelola.yml (the exact
// parser error, status error), and a SIGKILL of the server mid-run (the run
// becomes failed/interrupted; the run queued behind it still runs).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "tests/harness/child_process.h"
#include "tests/harness/docker_engine.h"
#include "tests/harness/docker_registry.h"
#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* kSecret = "pipeline-run-test-secret";
const char* kToken = "ghp_pipeline_run_test";
const char* kPushExample = "/work/shared/data/github-webhooks/push/with-new-branch.payload.json";
const char* kBusybox = "kelola-test/busybox:harness";

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b ? b : "kelola";
}

struct PostedStatus {
  std::string sha, state, target_url, description;
};

class PipelineRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = harness::DockerEngine::Ensure();
    if (engine.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << engine.status().message();
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    Status busybox = engine_->BuildBusyboxImage(kBusybox);
    if (busybox.code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << busybox.message();
    ASSERT_TRUE(busybox.ok()) << busybox.ToString();
    auto registry = harness::DockerRegistry::Start();
    if (registry.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << registry.status().message();
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(*registry);
    auto example = harness::ReadFile(kPushExample);
    if (!example.ok()) GTEST_SKIP() << "the shared webhook examples are not here";
    example_ = json::parse(*example);

    auto dir = harness::TempDir::Create("kelola-run-it");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    home_ = dir_->File("home");
    ::mkdir(home_.c_str(), 0700);
    bare_ = dir_->File("app.git");
    work_ = dir_->File("work");
    fs::create_directories(work_);
    Git({"init", "-q", "--bare", bare_});
    Git({"-C", work_, "init", "-q"});

    github_ = std::make_unique<HttpServer>(HttpServerOptions{});
    github_->Route("POST", "/repos/{owner}/{repo}/statuses/{sha}", [this](HttpRequest& r) {
      if (r.Header("Authorization") != std::string("Bearer ") + kToken || r.path_params["owner"] != "acme" ||
          r.path_params["repo"] != "app") {
        return HttpResponse::Json(401, R"({"message":"Bad credentials"})");
      }
      json body = json::parse(r.body, nullptr, false);
      std::lock_guard<std::mutex> l(mu_);
      statuses_.push_back(
          {r.path_params["sha"], body.value("state", ""), body.value("target_url", ""), body.value("description", "")});
      return HttpResponse::Json(201, R"({"state":"ok"})");
    });
    ASSERT_TRUE(github_->Start().ok());

    auto port = harness::FreePort();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (github_) github_->Stop();
  }

  void Git(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "-i",
                                     "PATH=/usr/bin:/bin",
                                     "HOME=" + home_,
                                     "GIT_CONFIG_NOSYSTEM=1",
                                     "GIT_AUTHOR_NAME=t",
                                     "GIT_AUTHOR_EMAIL=t@kelola.invalid",
                                     "GIT_COMMITTER_NAME=t",
                                     "GIT_COMMITTER_EMAIL=t@kelola.invalid",
                                     "git"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = harness::RunCommandOk(argv);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    last_git_out_ = r->out;
  }

  std::string Commit(const std::map<std::string, std::string>& files) {
    for (const auto& [name, content] : files) {
      EXPECT_TRUE(harness::WriteFile(work_ + "/" + name, content).ok());
    }
    Git({"-C", work_, "add", "-A"});
    Git({"-C", work_, "commit", "-q", "--allow-empty", "-m", "change"});
    Git({"-C", work_, "push", "-q", "-f", bare_, "HEAD:refs/heads/main"});
    Git({"-C", work_, "rev-parse", "HEAD"});
    std::string sha = last_git_out_;
    while (!sha.empty() && sha.back() == '\n') sha.pop_back();
    return sha;
  }

  void StartServer(int max_concurrent = 2) {
    std::vector<std::string> argv = {Binary(),     "server",          "--listen", "127.0.0.1:" + std::to_string(port_),
                                     "--data-dir", dir_->File("data")};
    auto child = harness::ChildProcess::Spawn({.argv = argv,
                                               .log_path = dir_->File("server.log"),
                                               .env = {"KELOLA_RUNS_MAX_CONCURRENT=" + std::to_string(max_concurrent),
                                                       "KELOLA_EXTERNAL_URL=https://kelola.example.com"}});
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
    std::string s = t.ok() ? *t : "";
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }

  harness::CommandResult Cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "-i",
                                     "HOME=" + home_,
                                     "PATH=/usr/bin:/bin",
                                     "KELOLA_SERVER=" + url_,
                                     "KELOLA_TOKEN=" + AdminToken(),
                                     Binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = harness::RunCommand(argv, std::chrono::seconds(120));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : harness::CommandResult{};
  }

  void ApplyPipeline() {
    const std::string resources =
        std::string("kind: Secret\nmetadata: {name: app-hook}\nspec: {type: webhook-secret, value: \"") + kSecret +
        "\"}\n---\nkind: Secret\nmetadata: {name: gh-token}\nspec: {type: token, value: \"" + kToken +
        "\"}\n---\nkind: Pipeline\nmetadata: {name: app}\nspec:\n  forge: github\n"
        "  repository: acme/app\n  webhookSecret: app-hook\n  branches: [main]\n"
        "  cloneUrl: file://" +
        bare_ + "\n  apiUrl: http://127.0.0.1:" + std::to_string(github_->port()) + "\n  tokenSecret: gh-token\n";
    ASSERT_TRUE(harness::WriteFile(dir_->File("pipeline.yaml"), resources).ok());
    auto applied = Cli({"apply", "-f", dir_->File("pipeline.yaml")});
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
  }

  // A signed GitHub push of `sha` to main, shaped from the real example.
  int Push(const std::string& sha, const std::string& delivery) {
    json body = example_;
    body["ref"] = "refs/heads/main";
    body["before"] = std::string(40, '0');
    body["after"] = sha;
    body["created"] = false;
    body["deleted"] = false;
    body["repository"]["full_name"] = "acme/app";
    body["repository"]["name"] = "app";
    body["repository"]["clone_url"] = "file://" + bare_;
    const std::string text = body.dump();
    ClientRequest req;
    req.method = "POST";
    req.url = url_ + "/v1/hooks/github";
    req.headers["Content-Type"] = "application/json";
    req.headers["X-GitHub-Event"] = "push";
    req.headers["X-GitHub-Delivery"] = delivery;
    req.headers["X-Hub-Signature-256"] = "sha256=" + HexEncode(HmacSha256(kSecret, text));
    req.body = text;
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->status : 0;
  }

  json Api(const std::string& path) {
    ClientRequest req;
    req.url = url_ + path;
    req.headers["Authorization"] = "Bearer " + AdminToken();
    auto r = client_.Send(req);
    if (!r.ok() || r->status != 200) return json();
    return json::parse(r->body, nullptr, false);
  }

  // The run of `delivery` once `done` holds (the inbox consumer queues it first).
  json WaitRun(const std::string& delivery, const std::function<bool(const json&)>& done,
               std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      json runs = Api("/v1/runs?limit=100");
      if (runs.is_object()) {
        for (const json& r : runs["items"]) {
          if (r.value("deliveryId", "") != delivery) continue;
          last = r;
          if (done(r)) return r;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "run of " << delivery << " is " << last.dump() << "\n"
                  << harness::TailOfFile(dir_->File("server.log"), 40);
    return last;
  }
  json WaitFinished(const std::string& delivery) {
    return WaitRun(delivery, [](const json& r) {
      const std::string s = r.value("status", "");
      return s != "queued" && s != "running";
    });
  }

  std::vector<PostedStatus> StatusesFor(const std::string& sha, size_t expected) {
    std::vector<PostedStatus> out;
    for (int i = 0; i < 1000; ++i) {
      out.clear();
      {
        std::lock_guard<std::mutex> l(mu_);
        for (const auto& s : statuses_) {
          if (s.sha == sha) out.push_back(s);
        }
      }
      if (out.size() >= expected) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return out;
  }

  std::string Registry() const { return registry_->host_port(); }

  std::string PipelineFile() const {
    return "steps:\n"
           "  - name: compile\n"
           "    host: true\n"
           "    commands: [cc -static -Os -o hello hello.c]\n"
           "  - name: test\n"
           "    image: " +
           std::string(kBusybox) +
           "\n"
           "    commands:\n"
           "      - out=$(./hello)\n"
           "      - 'echo \"got: $out\"'\n"
           "      - test \"$out\" = \"hello from kelola\"\n"
           "  - name: image\n"
           "    build:\n"
           "      tags: [" +
           Registry() +
           "/acme/app:latest]\n"
           "  - name: publish\n"
           "    push: {registry: \"" +
           Registry() + "\", repository: acme/app, tags: [latest]}\n";
  }

  std::map<std::string, std::string> App(const std::string& greeting) const {
    return {{".kelola.yml", PipelineFile()},
            {"hello.c", "#include <stdio.h>\nint main(void) { puts(\"" + greeting + "\"); return 0; }\n"},
            {"Dockerfile", "FROM scratch\nCOPY hello /hello\nENTRYPOINT [\"/hello\"]\n"},
            {".dockerignore", "*.c\n.kelola.yml\n"}};
  }

  std::unique_ptr<harness::DockerEngine> engine_;
  std::unique_ptr<harness::DockerRegistry> registry_;
  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::ChildProcess> server_;
  std::unique_ptr<HttpServer> github_;
  json example_;
  std::string home_, bare_, work_, last_git_out_, url_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<PostedStatus> statuses_;
  HttpClient client_{HttpClientOptions{.max_retries = 0}};
};

TEST_F(PipelineRunTest, PushTestsBuildsPushesAndReportsThenFailuresAreReported) {
  StartServer();
  ApplyPipeline();

  // 1. Tests pass: image built, pushed, statuses pending then success.
  const std::string good = Commit(App("hello from kelola"));
  ASSERT_EQ(Push(good, "d-good"), 202);
  json run = WaitFinished("d-good");
  ASSERT_EQ(run.value("status", ""), "succeeded") << run.dump(2) << "\n"
                                                  << Cli({"runs", "logs", run.value("id", "")}).out;
  EXPECT_EQ(run["sha"], good);
  ASSERT_EQ(run["steps"].size(), 4u);
  for (const json& s : run["steps"]) EXPECT_EQ(s["status"], "succeeded") << s.dump();
  ASSERT_EQ(run["images"].size(), 1u);
  const std::string digest = run["images"][0]["digest"];
  EXPECT_EQ(run["images"][0]["reference"], Registry() + "/acme/app:latest");
  EXPECT_EQ(run["images"][0]["pinned"], Registry() + "/acme/app@" + digest);
  // The registry lists the tag, under the digest the run reported.
  auto tags = harness::HttpCall({.url = registry_->url() + "/v2/acme/app/tags/list"});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(json::parse(tags->body)["tags"], json::array({"latest"})) << tags->body;
  auto manifest = harness::HttpCall({.method = "HEAD",
                                     .url = registry_->url() + "/v2/acme/app/manifests/latest",
                                     .headers = {"Accept: application/vnd.docker.distribution.manifest.v2+json"}});
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(manifest->Header("docker-content-digest"), digest);
  // The image is the program: run it.
  auto ran = engine_->RunContainer(Registry() + "/acme/app@" + digest, {});
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_NE(ran->output.out.find("hello from kelola"), std::string::npos) << ran->output.out;
  auto statuses = StatusesFor(good, 2);
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, "pending");
  EXPECT_EQ(statuses[1].state, "success");
  EXPECT_EQ(statuses[1].target_url, "https://kelola.example.com/v1/runs/" + run.value("id", ""));
  // The logs endpoint has every step's lines.
  json logs = Api("/v1/runs/" + run.value("id", "") + "/logs");
  bool test_line = false;
  for (const json& l : logs["items"]) test_line |= l["step"] == "test" && l["line"] == "got: hello from kelola";
  EXPECT_TRUE(test_line) << logs.dump();

  // 2. Tests fail: no image, status failure, the failing output available.
  const std::string bad = Commit(App("goodbye"));
  ASSERT_EQ(Push(bad, "d-bad"), 202);
  run = WaitFinished("d-bad");
  EXPECT_EQ(run.value("status", ""), "failed");
  EXPECT_EQ(run.value("reason", "").rfind("step test: exited with code 1", 0), 0u) << run.dump();
  EXPECT_EQ(run["steps"][1]["status"], "failed");
  EXPECT_EQ(run["steps"][2]["status"], "skipped");
  EXPECT_EQ(run["steps"][3]["status"], "skipped");
  EXPECT_TRUE(run["images"].empty());
  statuses = StatusesFor(bad, 2);
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[1].state, "failure");
  auto cli_logs = Cli({"runs", "logs", run.value("id", "")});
  EXPECT_EQ(cli_logs.exit_code, 0) << cli_logs.err;
  EXPECT_NE(cli_logs.out.find("[test] got: goodbye"), std::string::npos) << cli_logs.out;
  // -f on a finished run prints everything and ends.
  auto followed = Cli({"runs", "logs", "-f", run.value("id", "")});
  EXPECT_EQ(followed.exit_code, 0) << followed.err;
  EXPECT_NE(followed.out.find("[test] got: goodbye"), std::string::npos) << followed.out;
  auto still = harness::HttpCall({.url = registry_->url() + "/v2/acme/app/manifests/latest",
                                  .headers = {"Accept: application/vnd.docker.distribution.manifest.v2+json"}});
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->Header("docker-content-digest"), digest);  // the good image is still the latest

  // 3. A malformed .kelola.yml: the run fails with the parser's error; status error.
  const std::string malformed =
      Commit({{".kelola.yml", "steps:\n  - name: test\n    host: true\n    comands: [make]\n"}});
  ASSERT_EQ(Push(malformed, "d-malformed"), 202);
  run = WaitFinished("d-malformed");
  EXPECT_EQ(run.value("status", ""), "failed");
  EXPECT_EQ(run.value("reason", "").rfind(".kelola.yml:4:5: steps[0].comands: unknown key", 0), 0u) << run.dump();
  statuses = StatusesFor(malformed, 2);
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[1].state, "error");
}

TEST_F(PipelineRunTest, FollowStreamsLinesLiveAndKillMidRunInterruptsOnlyThatRun) {
  StartServer(/*max_concurrent=*/1);
  ApplyPipeline();
  const std::string slow = Commit({{".kelola.yml",
                                    "steps:\n  - name: slow\n    host: true\n"
                                    "    commands: [echo first, sleep 1, echo second, sleep 20]\n"}});
  const std::string quick =
      Commit({{".kelola.yml", "steps:\n  - {name: quick, host: true, commands: [echo quick]}\n"}});
  ASSERT_EQ(Push(slow, "d-slow"), 202);
  json run = WaitRun("d-slow", [](const json& r) { return r.value("status", "") == "running"; });
  const std::string slow_id = run.value("id", "");

  // Follow: lines arrive while the step runs.
  std::vector<std::string> lines;
  std::mutex lines_mu;
  std::thread follower([&] {
    HttpClient follow_client(HttpClientOptions{.max_retries = 0});
    ClientRequest req;
    req.url = url_ + "/v1/runs/" + slow_id + "/logs?follow=1";
    req.headers["Authorization"] = "Bearer " + AdminToken();
    req.timeout = std::chrono::milliseconds(60'000);
    (void)follow_client.Stream(req, [&](std::string_view line) {
      json l = json::parse(line, nullptr, false);
      if (l.is_discarded()) return true;
      std::lock_guard<std::mutex> g(lines_mu);
      lines.push_back(l.value("step", "") + ":" + l.value("line", ""));
      return true;
    });
  });
  bool saw_second = false;
  for (int i = 0; i < 300 && !saw_second; ++i) {
    {
      std::lock_guard<std::mutex> g(lines_mu);
      for (const auto& l : lines) saw_second |= l == "slow:second";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(saw_second) << "the follower did not stream the live line";
  json now = Api("/v1/runs/" + slow_id);
  EXPECT_EQ(now.value("status", ""), "running");  // streamed while the run still ran

  // Queued behind it (concurrency 1), then the server is killed mid-run.
  ASSERT_EQ(Push(quick, "d-quick"), 202);
  WaitRun("d-quick", [](const json& r) { return r.value("status", "") == "queued"; });
  ::kill(server_->pid(), SIGKILL);
  server_->Stop();
  follower.join();  // the stream ends with the server
  StartServer(/*max_concurrent=*/1);
  run = WaitFinished("d-slow");
  EXPECT_EQ(run.value("status", ""), "failed");
  EXPECT_EQ(run.value("reason", ""), "interrupted");
  json q = WaitFinished("d-quick");
  EXPECT_EQ(q.value("status", ""), "succeeded") << q.dump();
  auto statuses = StatusesFor(slow, 2);
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[1].state, "error");
  // It can be retried.
  auto retried = Cli({"runs", "retry", slow_id, "-o", "json"});
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_EQ(json::parse(retried.out, nullptr, false).value("status", ""), "queued");
}

}  // namespace
}  // namespace kelola
