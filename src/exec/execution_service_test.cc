// ExecutionService against real sshd hosts (tests/harness) and a real
// SQLite store: what runs, what is recorded, and what is refused.
#include "exec/execution_service.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include <nlohmann/json.hpp>

#include "tests/harness/sshd_fleet.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;

class ExecutionServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto fleet = harness::SshdFleet::Start(4);
    ASSERT_TRUE(fleet.ok()) << fleet.status().ToString();
    fleet_ = fleet->release();
  }
  static void TearDownTestSuite() {
    delete fleet_;
    fleet_ = nullptr;
  }

  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-exec");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    auto store = OpenSqliteStore(dir_->File("kelola.db"), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto key = harness::ReadFile(fleet_->client_key_path());
    ASSERT_TRUE(key.ok());
    key_ = *key;
    for (size_t i = 0; i < fleet_->hosts().size(); ++i) {
      const auto& h = fleet_->hosts()[i];
      Resource r;
      r.kind = "Host";
      r.name = "web-" + std::to_string(i + 1);
      r.labels = {{"role", i < 2 ? "web" : "db"}};
      r.spec_json = json{{"address", h.address},
                         {"port", h.port},
                         {"user", fleet_->user()},
                         {"hostKey", h.host_public_key},
                         {"credentials", {{"sshKeySecret", "deploy-key"}}}}
                        .dump();
      ASSERT_TRUE(store_->PutResource(r, {}).ok());
    }
    subscription_ = store_->Subscribe([this](const Event& e) {
      std::lock_guard<std::mutex> l(mu_);
      if (e.subject.rfind("Execution/", 0) == 0) events_.push_back(e);
      cv_.notify_all();
    });
    ExecutionServiceOptions options;
    options.work_dir = dir_->File("work");
    options.known_hosts_path = dir_->File("known_hosts");
    service_ = std::make_unique<ExecutionService>(
        *store_, SystemClock(),
        [this](const std::string& name) -> Result<std::string> {
          if (name == "deploy-key") return key_;
          return NotFoundError("secret " + name);
        },
        options);
  }

  void TearDown() override {
    service_->Shutdown();
    subscription_.reset();
  }

  // Waits (bounded) for the execution's finished event; returns its status.
  json WaitFinished(const std::string& id) {
    std::unique_lock<std::mutex> l(mu_);
    bool done = cv_.wait_for(l, std::chrono::seconds(60), [&] {
      for (const auto& e : events_) {
        if (e.subject == "Execution/" + id && e.type == "execution.finished") return true;
      }
      return false;
    });
    EXPECT_TRUE(done) << "execution " << id << " did not finish";
    l.unlock();
    auto r = store_->GetResource("Execution", id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? json::parse(r->status_json) : json::object();
  }

  int CountEvents(const std::string& id, const std::string& type) {
    std::lock_guard<std::mutex> l(mu_);
    int n = 0;
    for (const auto& e : events_) n += (e.subject == "Execution/" + id && e.type == type);
    return n;
  }

  static inline harness::SshdFleet* fleet_ = nullptr;
  FakeClock clock_;
  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<Store> store_;
  std::string key_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  std::unique_ptr<Store::Subscription> subscription_;
  std::unique_ptr<ExecutionService> service_;
};

TEST_F(ExecutionServiceTest, RunsACommandOnSelectedHostsAndRecordsResults) {
  ExecutionRequest req;
  req.selector = "role=web";
  req.command = "echo hello-$((20+22))";
  auto id = service_->Start(req, "token:ci");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  json status = WaitFinished(*id);
  EXPECT_EQ(status["phase"], "Succeeded") << status.dump();
  ASSERT_EQ(status["hosts"].size(), 2u);
  for (const auto& h : status["hosts"]) {
    EXPECT_EQ(h["state"], "ok");
    EXPECT_EQ(h["exitCode"], 0);
    EXPECT_EQ(h["stdout"], "hello-42\n");
  }
  EXPECT_EQ(status["summary"]["ok"], 2);
  EXPECT_EQ(CountEvents(*id, "execution.started"), 1);
  EXPECT_EQ(CountEvents(*id, "execution.host"), 2);
  // The private key never reaches the record.
  auto stored = store_->GetResource("Execution", *id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->spec_json.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(stored->status_json.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(ExecutionServiceTest, NonZeroExitFailsTheRunAndRollingRunStops) {
  ExecutionRequest req;
  req.command = "exit 3";
  req.serial = "1";
  req.max_fail_percentage = 0;
  auto id = service_->Start(req, "token:ci");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  json status = WaitFinished(*id);
  EXPECT_EQ(status["phase"], "Aborted") << status.dump();
  EXPECT_EQ(status["summary"]["failed"], 1);
  EXPECT_EQ(status["summary"]["skipped"], 3);
  EXPECT_EQ(status["hosts"][0]["exitCode"], 3);
  EXPECT_EQ(status["hosts"][0]["errorKind"], "non-zero-exit");
}

TEST_F(ExecutionServiceTest, CopiesAFileVerifiedByChecksum) {
  ExecutionRequest req;
  req.names = {"web-3"};
  req.copy_content = std::string(100'000, 'k');
  req.copy_dest = dir_->File("copied.bin");
  ::chmod(dir_->path().c_str(), 0777);  // the login user writes into the test's directory
  auto id = service_->Start(req, "token:ci");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  json status = WaitFinished(*id);
  EXPECT_EQ(status["phase"], "Succeeded") << status.dump();
  auto copied = harness::ReadFile(dir_->File("copied.bin"));
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(*copied, req.copy_content);
  auto stored = store_->GetResource("Execution", *id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->spec_json.find("kkkkkkkk"), std::string::npos) << "the content is not stored";
}

TEST_F(ExecutionServiceTest, RefusesBadRequestsUpFront) {
  ExecutionRequest none;
  EXPECT_EQ(service_->Start(none, "x").status().code(), StatusCode::kInvalidArgument);
  ExecutionRequest two;
  two.command = "uptime";
  two.script = "uptime";
  EXPECT_EQ(service_->Start(two, "x").status().code(), StatusCode::kInvalidArgument);
  ExecutionRequest nobody;
  nobody.command = "uptime";
  nobody.selector = "role=cache";
  auto r = service_->Start(nobody, "x");
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("role=cache"), std::string::npos) << r.status().message();
  ExecutionRequest serial;
  serial.command = "uptime";
  serial.serial = "lots";
  EXPECT_EQ(service_->Start(serial, "x").status().code(), StatusCode::kInvalidArgument);
  ExecutionRequest book;
  book.runbook_yaml = "steps:\n  - frobnicate: yes\n";
  EXPECT_EQ(service_->Start(book, "x").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ExecutionServiceTest, RunbookIsIdempotentOnTheSecondRun) {
  ::chmod(dir_->path().c_str(), 0777);
  ExecutionRequest req;
  req.names = {"web-4"};
  req.runbook_yaml = "name: marker\nsteps:\n  - name: make marker\n    command: touch " + dir_->File("marker") +
                     "\n    creates: " + dir_->File("marker") + "\n";
  auto first = service_->Start(req, "token:ci");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  json one = WaitFinished(*first);
  EXPECT_EQ(one["phase"], "Succeeded") << one.dump();
  EXPECT_EQ(one["summary"]["changed"], 1);
  auto second = service_->Start(req, "token:ci");
  ASSERT_TRUE(second.ok());
  json two = WaitFinished(*second);
  EXPECT_EQ(two["phase"], "Succeeded") << two.dump();
  EXPECT_EQ(two["summary"]["changed"], 0);
}

}  // namespace
}  // namespace kelola
