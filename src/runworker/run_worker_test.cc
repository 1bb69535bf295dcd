// RunWorker and RunExecution with real parts: a SQLite store, a bare git
// repository checked out over file:// by GitCheckout, host steps run by
// SubprocessStepExecutor, and a local HttpServer playing GitHub's commit
// Statuses API (checked as GitHub would). Docker steps are covered by the
// end-to-end test (tests/integration/pipeline_run_test.cc).
#include "runworker/run_worker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "integrations/git/git_checkout.h"
#include "net/http_server.h"
#include "pipeline/run_queue.h"
#include "proc/process_runner.h"
#include "runner/subprocess_step_executor.h"
#include "store/postgres_test_server.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kToken = "ghp_worker_test";

[[maybe_unused]] ::testing::Environment* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresTestServer);

std::string Git(const std::string& dir, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"git", "-C", dir};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = {{"PATH", "/usr/bin:/bin"},
              {"HOME", dir},
              {"GIT_CONFIG_NOSYSTEM", "1"},
              {"GIT_AUTHOR_NAME", "t"},
              {"GIT_AUTHOR_EMAIL", "t@kelola.invalid"},
              {"GIT_COMMITTER_NAME", "t"},
              {"GIT_COMMITTER_EMAIL", "t@kelola.invalid"}};
  auto r = RunProcess(spec);
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->stderr_data : r.status().ToString());
  std::string out = r.ok() ? r->stdout_data : "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct PostedStatus {
  std::string sha, state, target_url, description, context;
};

class RunWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-runworker-test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    auto store = OpenSqliteStore(dir_->File("kelola.db"), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    bare_ = dir_->File("app.git");
    work_ = dir_->File("work");
    fs::create_directories(work_);
    Git(dir_->path(), {"init", "-q", "--bare", bare_});
    Git(work_, {"init", "-q"});

    github_ = std::make_unique<HttpServer>(HttpServerOptions{});
    github_->Route("POST", "/repos/{owner}/{repo}/statuses/{sha}", [this](HttpRequest& r) {
      if (r.Header("Authorization") != "Bearer " + kToken) {
        return HttpResponse::Json(401, R"({"message":"Bad credentials"})");
      }
      json body = json::parse(r.body, nullptr, false);
      std::lock_guard<std::mutex> l(mu_);
      statuses_.push_back({r.path_params["sha"], body.value("state", ""), body.value("target_url", ""),
                           body.value("description", ""), body.value("context", "")});
      return HttpResponse::Json(201, R"({"state":"ok"})");
    });
    ASSERT_TRUE(github_->Start().ok());

    Resource pipeline;
    pipeline.kind = "Pipeline";
    pipeline.name = "app";
    pipeline.spec_json = json{
        {"forge", "github"},
        {"repository", "acme/app"},
        {"webhookSecret", "hook"},
        {"apiUrl", "http://127.0.0.1:" + std::to_string(github_->port())},
        {"tokenSecret",
         "gh-token"}}.dump();
    ASSERT_TRUE(store_->PutResource(pipeline, PutOptions{}).ok());
    secrets_ = {{"gh-token", kToken}, {"db-password", "hunter2-very-secret"}};
    reporter_ = std::make_unique<CommitReporter>(
        [this](const std::string& name) -> Result<std::string> {
          auto it = secrets_.find(name);
          if (it == secrets_.end()) return NotFoundError("Secret " + name + " not found");
          return it->second;
        },
        MakeForgeClient, "https://ci.example.com/");
    env_ = std::make_unique<RunEnvironment>(
        RunEnvironment{*store_, clock_, checkout_, host_,
                       []() -> Result<StepExecutor*> { return UnavailableError("no Docker in this test"); },
                       []() -> Result<ImageBuilder*> { return UnavailableError("no Docker in this test"); },
                       [this](const std::string& name) -> Result<std::string> {
                         auto it = secrets_.find(name);
                         if (it == secrets_.end()) return NotFoundError("Secret " + name + " not found");
                         return it->second;
                       },
                       *reporter_, dir_->File("workspaces"), dir_->File("run-logs"), dir_->File("artifacts")});
  }

  void TearDown() override {
    if (worker_) worker_->Stop();
    github_->Stop();
  }

  // Commits `files` and returns the commit id.
  std::string Commit(const std::map<std::string, std::string>& files) {
    for (const auto& [name, content] : files) {
      fs::create_directories(fs::path(work_ + "/" + name).parent_path());
      std::ofstream(work_ + "/" + name) << content;
    }
    Git(work_, {"add", "-A"});
    Git(work_, {"commit", "-q", "-m", "change"});
    Git(work_, {"push", "-q", "-f", bare_, "HEAD:refs/heads/main"});
    return Git(work_, {"rev-parse", "HEAD"});
  }

  kelola::Run Queue(const std::string& sha, const std::string& delivery) {
    ForgeEvent event;
    event.kind = ForgeEventKind::kPush;
    event.sha = sha;
    event.ref = "refs/heads/main";
    event.branch = "main";
    event.repository = "acme/app";
    auto run = QueueRunOnce(*store_, NewRunFromEvent("app", event, "github", delivery, "file://" + bare_));
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : kelola::Run{};
  }

  void StartWorker(int max_concurrent = 2, const std::string& replica = "host-a:/data") {
    worker_ = std::make_unique<RunWorker>(
        *env_,
        RunWorkerOptions{.replica = replica, .max_concurrent = max_concurrent, .poll = std::chrono::milliseconds(100)});
    ASSERT_TRUE(worker_->Start().ok());
  }

  kelola::Run WaitFor(const std::string& id, const std::function<bool(const kelola::Run&)>& done,
                      std::chrono::seconds limit = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    kelola::Run run;
    while (std::chrono::steady_clock::now() < deadline) {
      auto got = GetRunById(*store_, id);
      if (got.ok()) {
        run = *got;
        if (done(run)) return run;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "run " << id << " still " << run.status;
    return run;
  }
  kelola::Run WaitFinished(const std::string& id) {
    return WaitFor(id, [](const kelola::Run& r) { return IsFinishedRunStatus(r.status); });
  }

  // The final status is posted just after the run is stored as finished.
  std::vector<PostedStatus> Statuses(size_t expected = 2) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> l(mu_);
        if (statuses_.size() >= expected) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard<std::mutex> l(mu_);
    return statuses_;
  }
  std::vector<RunLogLine> Logs(const std::string& id) {
    auto chunk = ReadRunLog(dir_->File("run-logs/" + id + ".log"), 0);
    EXPECT_TRUE(chunk.ok());
    return chunk.ok() ? chunk->lines : std::vector<RunLogLine>{};
  }

  RealClock clock_;
  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<Store> store_;
  std::string bare_, work_;
  std::unique_ptr<HttpServer> github_;
  std::mutex mu_;
  std::vector<PostedStatus> statuses_;
  std::map<std::string, std::string> secrets_;
  git::GitCheckout checkout_;
  SubprocessStepExecutor host_;
  std::unique_ptr<CommitReporter> reporter_;
  std::unique_ptr<RunEnvironment> env_;
  std::unique_ptr<RunWorker> worker_;
};

TEST_F(RunWorkerTest, RunsStepsInOrderStoresMaskedOutputAndReportsStatuses) {
  const std::string sha = Commit({{".kelola.yml", R"Y(env: {GREETING: hello}
steps:
  - name: test
    host: true
    commands:
      - test "$(cat app.txt)" = "app v1"
      - echo "$GREETING from $KELOLA_BRANCH at $KELOLA_COMMIT"
      - echo "password is $DB_PASSWORD"
    secrets: [{from: db-password, env: DB_PASSWORD}]
  - name: tags-only
    host: true
    commands: echo never
    when: {tag: "v*"}
  - name: after
    host: true
    commands: echo after >&2
)Y"},
                                  {"app.txt", "app v1\n"}});
  kelola::Run queued = Queue(sha, "d-1");
  StartWorker();
  kelola::Run run = WaitFinished(queued.id);
  EXPECT_EQ(run.status, "succeeded") << run.reason;
  EXPECT_EQ(run.claimed_by, "host-a:/data");
  ASSERT_EQ(run.steps.size(), 3u);
  EXPECT_EQ(run.steps[0].status, "succeeded");
  EXPECT_EQ(run.steps[0].exit_code, 0);
  EXPECT_TRUE(run.steps[0].started_at.has_value() && run.steps[0].finished_at.has_value());
  EXPECT_EQ(run.steps[1].status, "skipped");
  EXPECT_NE(run.steps[1].reason.find("when.tag"), std::string::npos) << run.steps[1].reason;
  EXPECT_EQ(run.steps[2].status, "succeeded");

  std::vector<std::string> test_out;
  bool after_on_stderr = false;
  for (const RunLogLine& l : Logs(run.id)) {
    EXPECT_EQ(l.line.find("hunter2"), std::string::npos) << "secret leaked: " << l.line;
    if (l.step == "test" && l.stream == "stdout") test_out.push_back(l.line);
    if (l.step == "after" && l.stream == "stderr" && l.line == "after") after_on_stderr = true;
  }
  EXPECT_EQ(test_out, (std::vector<std::string>{"hello from main at " + sha, "password is ********"}));
  EXPECT_TRUE(after_on_stderr);

  auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, "pending");
  EXPECT_EQ(statuses[1].state, "success");
  for (const auto& s : statuses) {
    EXPECT_EQ(s.sha, sha);
    EXPECT_EQ(s.target_url, "https://ci.example.com/v1/runs/" + run.id);
    EXPECT_EQ(s.context, "kelola/app");
  }
  // The workspace is gone.
  EXPECT_FALSE(fs::exists(dir_->File("workspaces/" + run.id)));
}

TEST_F(RunWorkerTest, FailingStepFailsTheRunAndSkipsTheRest) {
  const std::string sha = Commit({{".kelola.yml", R"Y(steps:
  - name: test
    host: true
    commands:
      - echo "running the tests"
      - 'echo "FAIL: expected 2, got 3" >&2'
      - exit 3
  - name: image
    host: true
    commands: echo must not run
)Y"}});
  kelola::Run queued = Queue(sha, "d-fail");
  StartWorker();
  kelola::Run run = WaitFinished(queued.id);
  EXPECT_EQ(run.status, "failed");
  EXPECT_EQ(run.reason.rfind("step test: exited with code 3", 0), 0u) << run.reason;
  ASSERT_EQ(run.steps.size(), 2u);
  EXPECT_EQ(run.steps[0].status, "failed");
  EXPECT_EQ(run.steps[0].exit_code, 3);
  EXPECT_EQ(run.steps[1].status, "skipped");
  bool saw = false;
  for (const RunLogLine& l : Logs(run.id)) saw |= l.step == "test" && l.line == "FAIL: expected 2, got 3";
  EXPECT_TRUE(saw);
  auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[1].state, "failure");
}

TEST_F(RunWorkerTest, ArtifactsAreKeptWithTheRunAfterItsWorkspaceIsGone) {
  const std::string sha = Commit({{".kelola.yml", R"Y(steps:
  - name: test
    host: true
    commands:
      - mkdir -p out/deep
      - echo coverage 87% > out/coverage.txt
      - echo nested > out/deep/report.txt
      - echo not kept > out/other.log
    artifacts: ["out/**.txt"]
  - name: escape
    host: true
    commands: echo hi
    artifacts: ["../../etc/passwd"]
)Y"}});
  kelola::Run queued = Queue(sha, "d-artifacts");
  StartWorker();
  kelola::Run run = WaitFinished(queued.id);
  ASSERT_EQ(run.artifacts.size(), 2u) << run.reason;
  EXPECT_EQ(run.artifacts[0].path, "out/coverage.txt");
  EXPECT_EQ(run.artifacts[0].step, "test");
  EXPECT_EQ(run.artifacts[0].bytes, 13u);
  EXPECT_EQ(run.artifacts[0].sha256, Sha256Hex("coverage 87%\n"));
  EXPECT_EQ(run.artifacts[1].path, "out/deep/report.txt");
  std::ifstream kept(dir_->File("artifacts/" + run.id + "/out/coverage.txt"));
  std::string text((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "coverage 87%\n");
  EXPECT_FALSE(fs::exists(dir_->File("workspaces/" + run.id)));
  // A glob that leaves the workspace fails its step with the reason.
  EXPECT_EQ(run.status, "failed");
  EXPECT_EQ(run.steps[1].status, "failed");
  EXPECT_NE(run.steps[1].reason.find("artifacts: \"../../etc/passwd\" must be a path or glob inside the repository"),
            std::string::npos)
      << run.steps[1].reason;
}

TEST_F(RunWorkerTest, MalformedPipelineFileFailsWithTheParserErrorAndStatusError) {
  const std::string sha = Commit({{".kelola.yml", "steps:\n  - name: test\n    host: true\n    comands: [make]\n"}});
  kelola::Run queued = Queue(sha, "d-bad");
  StartWorker();
  kelola::Run run = WaitFinished(queued.id);
  EXPECT_EQ(run.status, "failed");
  EXPECT_EQ(run.reason.rfind(".kelola.yml:4:5: steps[0].comands: unknown key", 0), 0u) << run.reason;
  auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[1].state, "error");
  EXPECT_NE(statuses[1].description.find(".kelola.yml:4:5"), std::string::npos) << statuses[1].description;
}

TEST_F(RunWorkerTest, MissingCommitIsAnError) {
  Commit({{".kelola.yml", "steps:\n  - {name: t, host: true, commands: true}\n"}});
  kelola::Run queued = Queue(std::string(40, 'a'), "d-missing");
  StartWorker();
  kelola::Run run = WaitFinished(queued.id);
  EXPECT_EQ(run.status, "error");
  EXPECT_EQ(run.reason.rfind("checkout: ", 0), 0u) << run.reason;
}

TEST_F(RunWorkerTest, StepTimeoutFailsTheRunAndAMissingSecretIsAnError) {
  const std::string slow =
      Commit({{".kelola.yml", "steps:\n  - {name: slow, host: true, timeout: 1s, commands: [sleep 30]}\n"}});
  kelola::Run timed = Queue(slow, "d-timeout");
  const std::string secretless =
      Commit({{".kelola.yml", "steps:\n  - {name: s, host: true, secrets: [no-such-secret], commands: [echo hi]}\n"}});
  kelola::Run missing = Queue(secretless, "d-nosecret");
  StartWorker();
  kelola::Run t = WaitFinished(timed.id);
  EXPECT_EQ(t.status, "failed");
  EXPECT_NE(t.reason.find("timed out"), std::string::npos) << t.reason;
  kelola::Run m = WaitFinished(missing.id);
  EXPECT_EQ(m.status, "error");
  EXPECT_NE(m.reason.find("no-such-secret"), std::string::npos) << m.reason;
}

TEST_F(RunWorkerTest, CancelKillsTheRunningStepPromptly) {
  const std::string sha =
      Commit({{".kelola.yml", "steps:\n  - {name: slow, host: true, commands: [echo started, sleep 60]}\n"}});
  kelola::Run queued = Queue(sha, "d-cancel");
  StartWorker();
  WaitFor(queued.id, [](const kelola::Run& r) { return !r.steps.empty() && r.steps[0].status == "running"; });
  const auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(CancelRun(*store_, clock_, queued.id, "cancelled by test").ok());
  kelola::Run run = WaitFinished(queued.id);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(5));
  EXPECT_EQ(run.status, "cancelled");
  EXPECT_EQ(run.reason, "cancelled by test");
  EXPECT_EQ(run.steps[0].status, "cancelled");
}

TEST_F(RunWorkerTest, ConcurrencyLimitHoldsAndTheQueueDrainsInOrder) {
  const std::string sha = Commit({{".kelola.yml", "steps:\n  - {name: s, host: true, commands: [sleep 0.3]}\n"}});
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Queue(sha, "d-c" + std::to_string(i)).id);
  StartWorker(/*max_concurrent=*/1);
  int most = 0;
  for (int i = 0; i < 500; ++i) {
    RunFilter f;
    f.status = "running";
    auto running = store_->ListRuns(f);
    ASSERT_TRUE(running.ok());
    most = std::max(most, static_cast<int>(running->size()));
    auto last = GetRunById(*store_, ids.back());
    if (last.ok() && IsFinishedRunStatus(last->status)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(most, 1);
  std::vector<WallTime> starts;
  for (const auto& id : ids) {
    kelola::Run r = WaitFinished(id);
    EXPECT_EQ(r.status, "succeeded") << r.reason;
    starts.push_back(r.started_at.value_or(WallTime{}));
  }
  EXPECT_LE(starts[0], starts[1]);
  EXPECT_LE(starts[1], starts[2]);
}

TEST_F(RunWorkerTest, RestartMarksOwnRunningRunsInterruptedAndRunsTheQueue) {
  const std::string sha = Commit({{".kelola.yml", "steps:\n  - {name: s, host: true, commands: [echo ok]}\n"}});
  // Left running by this replica before a crash, and by another that is alive.
  kelola::Run mine = Queue(sha, "d-mine");
  kelola::Run other = Queue(sha, "d-other");
  for (auto [run, replica] : {std::pair{&mine, "host-a:/data"}, std::pair{&other, "host-b:/data"}}) {
    run->status = "running";
    run->claimed_by = replica;
    run->started_at = run->heartbeat_at = clock_.Now();
    ASSERT_TRUE(store_->UpdateRun(RunToRecord(*run), run->version).ok());
  }
  kelola::Run behind = Queue(sha, "d-behind");
  StartWorker();
  kelola::Run m = WaitFinished(mine.id);
  EXPECT_EQ(m.status, "failed");
  EXPECT_EQ(m.reason, "interrupted");
  EXPECT_EQ(WaitFinished(behind.id).status, "succeeded");
  auto o = GetRunById(*store_, other.id);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->status, "running");  // its replica's heartbeat is fresh
  // The interrupted run can be retried.
  auto retried = RetryRun(*store_, mine.id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(WaitFinished(retried->id).status, "succeeded");
}

TEST_F(RunWorkerTest, StaleHeartbeatOfAnotherReplicaIsInterrupted) {
  const std::string sha = Commit({{".kelola.yml", "steps:\n  - {name: s, host: true, commands: [echo ok]}\n"}});
  kelola::Run other = Queue(sha, "d-stale");
  other.status = "running";
  other.claimed_by = "host-b:/data";
  other.started_at = other.heartbeat_at = clock_.Now() - std::chrono::minutes(5);
  ASSERT_TRUE(store_->UpdateRun(RunToRecord(other), other.version).ok());
  StartWorker();
  kelola::Run r = WaitFinished(other.id);
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.reason, "interrupted");
}

TEST_F(RunWorkerTest, TwoReplicasNeverRunTheSameRun) {
  const std::string sha = Commit({{".kelola.yml", "steps:\n  - {name: s, host: true, commands: [echo ok]}\n"}});
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Queue(sha, "d-r" + std::to_string(i)).id);
  RunWorker a(*env_, RunWorkerOptions{.replica = "a", .max_concurrent = 3, .poll = std::chrono::milliseconds(5)});
  RunWorker b(*env_, RunWorkerOptions{.replica = "b", .max_concurrent = 3, .poll = std::chrono::milliseconds(5)});
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  for (const auto& id : ids) {
    kelola::Run r = WaitFinished(id);
    EXPECT_EQ(r.status, "succeeded") << r.reason;
    // One claim per run: exactly one "run claimed" started line in its log.
    int started = 0;
    for (const RunLogLine& l : Logs(id)) started += l.line.rfind("checking out ", 0) == 0;
    EXPECT_EQ(started, 1) << id;
  }
  a.Stop();
  b.Stop();
}

// Two replicas as the product runs them: separate connections to one
// PostgreSQL database, each with its own worker, log dir and workspaces.
TEST_F(RunWorkerTest, TwoReplicasOnPostgresClaimEachRunOnce) {
  const std::string url = PostgresTestServer::NewDatabaseUrl();
  if (url.empty()) GTEST_SKIP() << PostgresTestServer::SkipReason();
  const std::string sha = Commit({{".kelola.yml", "steps:\n  - {name: s, host: true, commands: [echo ok]}\n"}});
  std::vector<std::unique_ptr<Store>> stores;
  std::vector<std::unique_ptr<RunEnvironment>> envs;
  for (const char* name : {"a", "b"}) {
    auto store = OpenPostgresStore(url, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    stores.push_back(std::move(*store));
    envs.push_back(std::make_unique<RunEnvironment>(RunEnvironment{
        *stores.back(), clock_, checkout_, host_,
        []() -> Result<StepExecutor*> { return UnavailableError("no Docker in this test"); },
        []() -> Result<ImageBuilder*> { return UnavailableError("no Docker in this test"); }, env_->secrets, *reporter_,
        dir_->File(std::string("pg-work-") + name), dir_->File(std::string("pg-logs-") + name)}));
  }
  Resource pipeline = store_->GetResource("Pipeline", "app").value();
  ASSERT_TRUE(stores[0]->PutResource(pipeline, PutOptions{}).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    ForgeEvent event;
    event.kind = ForgeEventKind::kPush;
    event.sha = sha;
    event.ref = "refs/heads/main";
    event.branch = "main";
    event.repository = "acme/app";
    auto run =
        QueueRunOnce(*stores[0], NewRunFromEvent("app", event, "github", "pg-" + std::to_string(i), "file://" + bare_));
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    ids.push_back(run->id);
  }
  RunWorker a(*envs[0], RunWorkerOptions{.replica = "a", .max_concurrent = 4, .poll = std::chrono::milliseconds(5)});
  RunWorker b(*envs[1], RunWorkerOptions{.replica = "b", .max_concurrent = 4, .poll = std::chrono::milliseconds(5)});
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  for (const auto& id : ids) {
    kelola::Run r;
    for (int i = 0; i < 3000; ++i) {
      auto got = GetRunById(*stores[1], id);
      ASSERT_TRUE(got.ok());
      r = *got;
      if (IsFinishedRunStatus(r.status)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(r.status, "succeeded") << r.reason;
    EXPECT_TRUE(r.claimed_by == "a" || r.claimed_by == "b") << r.claimed_by;
    int checkouts = 0;
    for (const char* name : {"a", "b"}) {
      auto chunk = ReadRunLog(dir_->File(std::string("pg-logs-") + name + "/" + id + ".log"), 0);
      ASSERT_TRUE(chunk.ok());
      for (const RunLogLine& l : chunk->lines) checkouts += l.line.rfind("checking out ", 0) == 0;
    }
    EXPECT_EQ(checkouts, 1) << id << " was executed " << checkouts << " times";
  }
  a.Stop();
  b.Stop();
}

}  // namespace
}  // namespace kelola
