// Group commit in LogStore: concurrent appends share one fdatasync, readers
// see only durable records, and a failed sync stops all writes until the
// store is reopened (which keeps what reached the disk, and dedups the
// agents' resends).
#include <errno.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "logs/log_store.h"
#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

LogBatch Batch(const std::string& agent, uint64_t first_line, int count) {
  LogBatch b;
  b.agent = agent;
  for (int i = 0; i < count; ++i) {
    LogRecord r;
    r.stream_id = "s-" + agent;
    r.path = "/var/log/app.log";
    r.text = agent + " line " + std::to_string(first_line + i);
    r.offset = (first_line + i) * 10;
    r.end_offset = r.offset + 10;
    r.time_ms = 1000 + static_cast<int64_t>(first_line) + i;
    b.records.push_back(r);
  }
  return b;
}

// A sync that can be held open: the first call waits until Release().
class GatedSync {
 public:
  int operator()(int fd) {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    entered_.notify_all();
    if (calls_ == 1) released_.wait(lock, [&] { return open_; });
    return ::fdatasync(fd);
  }
  void WaitUntilEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    entered_.wait(lock, [&] { return calls_ > 0; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    released_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable entered_, released_;
  int calls_ = 0;
  bool open_ = false;
};

class LogStoreGroupCommitTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogStore> Open(std::function<int(int)> sync = nullptr) {
    LogStoreOptions o;
    o.dir = dir.File("logs");
    o.sync_fd = std::move(sync);
    auto s = LogStore::Open(o, clock);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Spins (bounded) until `pred` holds.
  template <typename Pred>
  bool Eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }
  ScratchDir dir;
  FakeClock clock;
};

TEST_F(LogStoreGroupCommitTest, AppendsArrivingDuringASyncShareTheNextOne) {
  auto gate = std::make_shared<GatedSync>();
  auto store = Open([gate](int fd) { return (*gate)(fd); });
  std::atomic<int> ok{0};
  std::thread a([&] { ok += store->Append(Batch("a", 0, 5)).ok(); });
  gate->WaitUntilEntered();
  std::thread b([&] { ok += store->Append(Batch("b", 0, 5)).ok(); });
  std::thread c([&] { ok += store->Append(Batch("c", 0, 5)).ok(); });
  // b and c have written their blocks and wait behind a's sync.
  ASSERT_TRUE(Eventually([&] { return store->Stats().records_appended == 15; }));
  // Nothing is durable yet, so readers see nothing.
  EXPECT_EQ(store->Stats().next_id, 1u);
  EXPECT_TRUE(store->Query({})->records.empty());
  EXPECT_EQ(ok.load(), 0);

  gate->Release();
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(ok.load(), 3);
  // One sync for a's block, one shared by b's and c's.
  EXPECT_EQ(store->Stats().syncs, 2u);
  EXPECT_EQ(store->Stats().next_id, 16u);
  EXPECT_EQ(store->Query({})->records.size(), 15u);
}

TEST_F(LogStoreGroupCommitTest, AResendIsAcknowledgedOnlyOnceTheOriginalIsDurable) {
  auto gate = std::make_shared<GatedSync>();
  auto store = Open([gate](int fd) { return (*gate)(fd); });
  std::thread first([&] { EXPECT_TRUE(store->Append(Batch("a", 0, 4)).ok()); });
  gate->WaitUntilEntered();
  // The agent timed out and resends the same batch: every record is a
  // duplicate of a block that is not durable yet.
  std::atomic<bool> resend_done{false};
  Result<AppendResult> resend = AppendResult{};
  std::thread second([&] {
    resend = store->Append(Batch("a", 0, 4));
    resend_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(resend_done.load()) << "a duplicate was acknowledged before the original reached the disk";
  gate->Release();
  first.join();
  second.join();
  ASSERT_TRUE(resend.ok()) << resend.status().ToString();
  EXPECT_EQ(resend->accepted, 0u);
  EXPECT_EQ(resend->duplicates, 4u);
  EXPECT_EQ(store->Query({})->records.size(), 4u);
}

TEST_F(LogStoreGroupCommitTest, AFailedSyncRefusesWritesUntilReopenedAndLosesNothing) {
  std::atomic<int> calls{0};
  {
    auto store = Open([&](int) {
      ++calls;
      errno = EIO;
      return -1;
    });
    auto r = store->Append(Batch("a", 0, 3));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInternal);
    EXPECT_NE(r.status().message().find("fdatasync"), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("reopened"), std::string::npos) << r.status().ToString();
    // Not acknowledged, so not visible; and the store takes nothing more.
    EXPECT_TRUE(store->Query({})->records.empty());
    auto again = store->Append(Batch("b", 0, 2));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(calls.load(), 1) << "a poisoned store must not try to sync again";
  }
  // Reopened: what reached the disk is there; the agent's resend of the
  // unacknowledged batch is dropped as a duplicate, the other one stored.
  auto store = Open();
  EXPECT_EQ(store->Query({})->records.size(), 3u);
  auto resend = store->Append(Batch("a", 0, 3));
  ASSERT_TRUE(resend.ok()) << resend.status().ToString();
  EXPECT_EQ(resend->duplicates, 3u);
  ASSERT_TRUE(store->Append(Batch("b", 0, 2)).ok());
  EXPECT_EQ(store->Query({})->records.size(), 5u);
}

TEST_F(LogStoreGroupCommitTest, ManyConcurrentAgentsAllDurableWithFewerSyncsThanAppends) {
  auto store = Open();
  constexpr int kAgents = 8, kBatches = 40, kLines = 10;
  std::vector<std::thread> agents;
  std::atomic<int> failures{0};
  for (int a = 0; a < kAgents; ++a) {
    agents.emplace_back([&, a] {
      for (int i = 0; i < kBatches; ++i) {
        if (!store->Append(Batch("agent-" + std::to_string(a), static_cast<uint64_t>(i) * kLines, kLines)).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : agents) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto stats = store->Stats();
  EXPECT_EQ(stats.next_id, static_cast<uint64_t>(kAgents * kBatches * kLines) + 1);
  EXPECT_LE(stats.syncs, static_cast<uint64_t>(kAgents * kBatches));
  LogQuery all;
  all.limit = 100000;
  EXPECT_EQ(store->Query(all)->records.size(), static_cast<size_t>(kAgents * kBatches * kLines));
}

}  // namespace
}  // namespace kelola
