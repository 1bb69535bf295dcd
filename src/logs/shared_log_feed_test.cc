// SharedLogFeed and SharedLogPublisher over an in-memory LogBatchTable
// (the pure logic: order, dedup of re-delivered batches, the durable cursor,
// gaps, retention under a fence). The PostgreSQL table itself is tested in
// src/store/postgres_log_batches_test.cc, replicas in
// tests/integration/ha_logs_test.cc.
#include "logs/shared_log_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "logs/scratch_dir_for_test.h"
#include "logs/shared_log_publisher.h"

namespace kelola {
namespace {

// A LogBatchTable in memory: ids in insert order without holes, as in
// PostgreSQL. The fence is checked against `lease_token`.
class InMemoryLogBatchTable final : public LogBatchTable {
 public:
  Result<int64_t> Insert(const SharedLogBatch& batch) override {
    if (down) return UnavailableError("database down");
    SharedLogBatch b = batch;
    b.id = ++last_id;
    rows[b.id] = b;
    return b.id;
  }
  Result<std::vector<SharedLogBatch>> ReadAfter(int64_t after_id, int limit, size_t max_bytes) override {
    if (down) return UnavailableError("database down");
    std::vector<SharedLogBatch> out;
    size_t bytes = 0;
    for (auto it = rows.upper_bound(after_id); it != rows.end() && static_cast<int>(out.size()) < limit; ++it) {
      bytes += it->second.payload.size();
      if (!out.empty() && bytes > max_bytes) break;
      out.push_back(it->second);
    }
    return out;
  }
  Result<LogBatchTableBounds> Bounds() override {
    if (down) return UnavailableError("database down");
    return LogBatchTableBounds{rows.empty() ? 0 : rows.begin()->first, last_id};
  }
  Result<int64_t> DeleteOlderThan(WallTime cutoff, const LeaseFence& fence) override {
    if (fence.token != lease_token) return FailedPreconditionError("lease taken over");
    int64_t n = 0;
    for (auto it = rows.begin(); it != rows.end();) {
      if (it->second.received_ms < UnixMillis(cutoff)) {
        it = rows.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }
  void WaitForInsert(Duration) override {}
  void Wake() override {}

  std::map<int64_t, SharedLogBatch> rows;
  int64_t last_id = 0;
  int64_t lease_token = 7;
  bool down = false;
};

LogBatch Lines(const std::string& agent, const std::string& stream, uint64_t first, uint64_t count) {
  LogBatch b;
  b.agent = agent;
  b.labels = {{"service", "api"}};
  for (uint64_t i = first; i < first + count; ++i) {
    LogRecord r;
    r.stream_id = stream;
    r.path = "/var/log/app.log";
    r.offset = i * 10;
    r.end_offset = i * 10 + 10;
    r.time_ms = 1'700'000'000'000 + static_cast<int64_t>(i);
    r.text = "line " + std::to_string(i);
    b.records.push_back(r);
  }
  return b;
}

class SharedLogFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogStoreOptions o;
    o.dir = dir_.File("store");
    o.fsync = false;
    auto store = LogStore::Open(o, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  std::unique_ptr<SharedLogFeed> NewFeed(SharedLogFeedOptions o = {}) {
    o.cursor_path = dir_.File("applied");
    auto feed = SharedLogFeed::Create(table_, *store_, o, clock_, &metrics_);
    EXPECT_TRUE(feed.ok()) << feed.status().ToString();
    return feed.ok() ? std::move(*feed) : nullptr;
  }

  std::vector<std::string> Texts() {
    auto result = store_->Query(LogQuery{});
    EXPECT_TRUE(result.ok());
    std::vector<std::string> out;
    for (const auto& r : result->records) out.push_back(r.record.text);
    return out;
  }

  void Publish(const LogBatch& b, std::string_view frame = {}) {
    SharedLogPublisher publisher(table_, nullptr, "replica-a", clock_);
    ASSERT_TRUE(publisher.Publish(b, frame).ok());
  }

  ScratchDir dir_;
  FakeClock clock_;
  MetricsRegistry metrics_;
  InMemoryLogBatchTable table_;
  std::unique_ptr<LogStore> store_;
};

TEST_F(SharedLogFeedTest, AppliesEveryBatchInIdOrderAndPersistsTheCursor) {
  Publish(Lines("web-1", "s1", 0, 3));
  auto frame = EncodeFrame(Lines("web-1", "s1", 3, 2));
  ASSERT_TRUE(frame.ok());
  Publish(Lines("web-1", "s1", 3, 2), *frame);  // as the agent sent it
  auto feed = NewFeed();
  auto stepped = feed->Step();
  ASSERT_TRUE(stepped.ok()) << stepped.status().ToString();
  EXPECT_TRUE(*stepped);
  EXPECT_EQ(Texts(), (std::vector<std::string>{"line 0", "line 1", "line 2", "line 3", "line 4"}));
  EXPECT_EQ(feed->Stats().applied_id, 2);
  EXPECT_EQ(feed->Stats().records_stored, 5u);
  auto idle = feed->Step();
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(*idle);

  // A restart resumes after the persisted id: only the new batch is read.
  feed.reset();
  Publish(Lines("web-1", "s1", 5, 1));
  auto again = NewFeed();
  ASSERT_TRUE(again->Step().ok());
  EXPECT_EQ(again->Stats().batches_applied, 1u);
  EXPECT_EQ(again->Stats().applied_id, 3);
  EXPECT_EQ(Texts().size(), 6u);
}

TEST_F(SharedLogFeedTest, ItsOwnBatchComingBackIsANoOp) {
  // The ingest path: shared first, stored locally, acknowledged; then the
  // feed reads the same batch from the table.
  LogBatch own = Lines("web-1", "s1", 0, 4);
  Publish(own);
  auto local = store_->Append(own);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->accepted, 4u);
  auto feed = NewFeed();
  ASSERT_TRUE(feed->Step().ok());
  EXPECT_EQ(feed->Stats().records_stored, 0u);
  EXPECT_EQ(feed->Stats().records_duplicate, 4u);
  EXPECT_EQ(Texts().size(), 4u);
}

TEST_F(SharedLogFeedTest, ABatchResentThroughAnotherReplicaIsStoredOnce) {
  // Replica A shared it but died before acknowledging; the agent sent the
  // same batch, plus more lines, to replica B, which shared it again.
  Publish(Lines("web-1", "s1", 0, 4));
  Publish(Lines("web-1", "s1", 0, 6));
  Publish(Lines("web-2", "s1", 0, 1));  // another agent, same stream id: its own marks
  auto feed = NewFeed();
  ASSERT_TRUE(feed->Step().ok());
  EXPECT_EQ(feed->Stats().records_stored, 7u);
  EXPECT_EQ(feed->Stats().records_duplicate, 4u);
  EXPECT_EQ(Texts(), (std::vector<std::string>{"line 0", "line 1", "line 2", "line 3", "line 4", "line 5", "line 0"}));
}

TEST_F(SharedLogFeedTest, BatchesDeletedBeforeTheyWereAppliedAreCountedAsAGap) {
  for (uint64_t i = 0; i < 5; ++i) Publish(Lines("web-1", "s1", i, 1));
  auto feed = NewFeed(SharedLogFeedOptions{.page_batches = 1});
  ASSERT_TRUE(feed->Step().ok());  // applies id 1
  table_.rows.erase(2);
  table_.rows.erase(3);
  ASSERT_TRUE(feed->Step().ok());
  ASSERT_TRUE(feed->Step().ok());
  EXPECT_EQ(feed->Stats().gap_batches, 2u);
  EXPECT_EQ(feed->Stats().applied_id, 5);
  EXPECT_EQ(Texts(), (std::vector<std::string>{"line 0", "line 3", "line 4"}));

  // Everything after it deleted: found through the table's bounds.
  Publish(Lines("web-1", "s1", 5, 1));
  Publish(Lines("web-1", "s1", 6, 1));
  table_.rows.clear();
  auto idle = feed->Step();
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE(*idle);
  EXPECT_EQ(feed->Stats().gap_batches, 4u);
  EXPECT_EQ(feed->Stats().applied_id, 7);
}

TEST_F(SharedLogFeedTest, ANewReplicaStartsAtTheOldestRow) {
  for (uint64_t i = 0; i < 4; ++i) Publish(Lines("web-1", "s1", i, 1));
  table_.rows.erase(1);
  auto feed = NewFeed();
  ASSERT_TRUE(feed->Step().ok());
  EXPECT_EQ(Texts(), (std::vector<std::string>{"line 1", "line 2", "line 3"}));
  EXPECT_EQ(feed->Stats().gap_batches, 1u);
}

TEST_F(SharedLogFeedTest, ATableRestoredFromAnOlderBackupIsAppliedAgainFromItsOldestRow) {
  for (uint64_t i = 0; i < 3; ++i) Publish(Lines("web-1", "s1", i, 1));
  auto feed = NewFeed();
  ASSERT_TRUE(feed->Step().ok());
  EXPECT_EQ(feed->Stats().applied_id, 3);
  // Restored from a dump taken after the first batch: ids 2.. are used again.
  table_.rows.erase(3);
  table_.rows.erase(2);
  table_.last_id = 1;
  ASSERT_TRUE(feed->Step().ok());  // notices, starts again from the oldest row
  Publish(Lines("web-1", "s1", 3, 1));
  ASSERT_TRUE(feed->Step().ok());
  EXPECT_EQ(feed->Stats().applied_id, 2);
  EXPECT_EQ(Texts(), (std::vector<std::string>{"line 0", "line 1", "line 2", "line 3"}));
}

TEST_F(SharedLogFeedTest, AMalformedRowIsSkippedAndCounted) {
  SharedLogBatch junk;
  junk.payload = "not a frame";
  ASSERT_TRUE(table_.Insert(junk).ok());
  Publish(Lines("web-1", "s1", 0, 1));
  auto feed = NewFeed();
  ASSERT_TRUE(feed->Step().ok());
  EXPECT_EQ(feed->Stats().malformed_batches, 1u);
  EXPECT_EQ(feed->Stats().applied_id, 2);
  EXPECT_EQ(Texts().size(), 1u);
}

TEST_F(SharedLogFeedTest, AnUnreachableTableIsAnErrorAndNothingMoves) {
  Publish(Lines("web-1", "s1", 0, 1));
  table_.down = true;
  auto feed = NewFeed();
  auto stepped = feed->Step();
  EXPECT_EQ(stepped.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(feed->Stats().applied_id, 0);
  table_.down = false;
  ASSERT_TRUE(feed->Step().ok());
  EXPECT_EQ(Texts().size(), 1u);
}

TEST_F(SharedLogFeedTest, PublishFailsWhenTheTableIsDown) {
  table_.down = true;
  SharedLogPublisher publisher(table_, nullptr, "replica-a", clock_);
  auto s = publisher.Publish(Lines("web-1", "s1", 0, 1), {});
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(table_.rows.empty());
}

TEST_F(SharedLogFeedTest, PublishReturnsOnceTheFeedAppliedTheBatchHere) {
  auto feed = NewFeed();
  SharedLogPublisher publisher(table_, feed.get(), "replica-a", clock_, std::chrono::hours(1));
  std::atomic<bool> done{false};
  Result<AppendResult> result = AppendResult{};
  std::thread ingest([&] {
    result = publisher.Publish(Lines("web-1", "s1", 0, 3), {});
    done = true;
  });
  while (!done) {
    ASSERT_TRUE(feed->Step().ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ingest.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->accepted, 3u);
  EXPECT_EQ(Texts().size(), 3u) << "queryable here when Publish returns";
}

TEST_F(SharedLogFeedTest, WaitAppliedGivesUpWhenTheRowIsNotApplied) {
  Publish(Lines("web-1", "s1", 0, 1));
  auto feed = NewFeed();
  auto waited = feed->WaitApplied(1, Duration::zero());
  EXPECT_EQ(waited.status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(feed->Step().ok());
  auto applied = feed->WaitApplied(1, Duration::zero());
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->accepted, 1u);
}

TEST_F(SharedLogFeedTest, RetentionDeletesOnlyWithTheCurrentFence) {
  Publish(Lines("web-1", "s1", 0, 1));
  clock_.Advance(std::chrono::hours(7));
  Publish(Lines("web-1", "s1", 1, 1));
  std::optional<LeaseFence> fence;
  SharedLogFeedOptions o;
  o.retention = std::chrono::hours(6);
  o.fence = [&] { return fence; };
  auto feed = NewFeed(o);
  ASSERT_TRUE(feed->ApplyRetention().ok());
  EXPECT_EQ(table_.rows.size(), 2u) << "not the leader: nothing deleted";
  fence = LeaseFence{"controller/log-batches", 6};
  EXPECT_EQ(feed->ApplyRetention().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(table_.rows.size(), 2u);
  fence->token = 7;
  ASSERT_TRUE(feed->ApplyRetention().ok());
  EXPECT_EQ(table_.rows.size(), 1u);
  EXPECT_EQ(feed->Stats().rows_deleted, 1u);
}

}  // namespace
}  // namespace kelola
