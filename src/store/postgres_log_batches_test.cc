// PgLogBatchTable against a private PostgreSQL (tests/harness; skipped when
// PostgreSQL is not installed). The server is registered once per binary by
// postgres_store_test.cc.
#include "store/postgres_log_batches.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/postgres_store.h"
#include "store/postgres_test_server.h"

namespace kelola {
namespace {

#define KELOLA_POSTGRES_URL(url)                          \
  std::string url = PostgresTestServer::NewDatabaseUrl(); \
  if (url.empty()) GTEST_SKIP() << PostgresTestServer::SkipReason()

SharedLogBatch Batch(const std::string& payload, int64_t received_ms = 1000) {
  SharedLogBatch b;
  b.received_ms = received_ms;
  b.origin = "replica-a";
  b.agent = "web-1";
  b.records = 3;
  b.payload = payload;
  return b;
}

TEST(PgLogBatchTableTest, InsertsReadInIdOrderWithBinaryPayloadsIntact) {
  KELOLA_POSTGRES_URL(url);
  RealClock clock;
  auto table = OpenPostgresLogBatchTable(url, clock);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::string binary("\x00\x01\xff\x7f\\x", 6);
  auto first = (*table)->Insert(Batch(binary));
  auto second = (*table)->Insert(Batch("second"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, 1);
  EXPECT_EQ(*second, 2);
  auto rows = (*table)->ReadAfter(0, 10, 1 << 20);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].payload, binary);
  EXPECT_EQ((*rows)[0].origin, "replica-a");
  EXPECT_EQ((*rows)[0].agent, "web-1");
  EXPECT_EQ((*rows)[0].records, 3);
  EXPECT_EQ((*rows)[0].received_ms, 1000);
  EXPECT_EQ((*rows)[1].payload, "second");
  auto after_first = (*table)->ReadAfter(1, 10, 1 << 20);
  ASSERT_TRUE(after_first.ok());
  ASSERT_EQ(after_first->size(), 1u);
  EXPECT_EQ((*after_first)[0].id, 2);
}

TEST(PgLogBatchTableTest, ReadAfterStopsAtTheByteBudgetButAlwaysReturnsOne) {
  KELOLA_POSTGRES_URL(url);
  RealClock clock;
  auto table = OpenPostgresLogBatchTable(url, clock);
  ASSERT_TRUE(table.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*table)->Insert(Batch(std::string(1000, 'a' + i))).ok());
  auto one = (*table)->ReadAfter(0, 10, 10);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  auto two = (*table)->ReadAfter(0, 10, 2000);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  auto limited = (*table)->ReadAfter(0, 1, 1 << 20);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 1u);
}

TEST(PgLogBatchTableTest, ConcurrentInsertsGetContiguousIds) {
  KELOLA_POSTGRES_URL(url);
  RealClock clock;
  auto table = OpenPostgresLogBatchTable(url, clock, 4);
  ASSERT_TRUE(table.ok());
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) EXPECT_TRUE((*table)->Insert(Batch("x")).ok());
    });
  }
  for (auto& t : writers) t.join();
  auto rows = (*table)->ReadAfter(0, 1000, 1 << 20);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 100u);
  for (size_t i = 0; i < rows->size(); ++i) EXPECT_EQ((*rows)[i].id, static_cast<int64_t>(i + 1));
  auto bounds = (*table)->Bounds();
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(bounds->oldest_id, 1);
  EXPECT_EQ(bounds->last_id, 100);
}

TEST(PgLogBatchTableTest, DeleteOlderThanNeedsTheCurrentLeaseToken) {
  KELOLA_POSTGRES_URL(url);
  RealClock clock;
  auto store = OpenPostgresStore(url, clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto table = OpenPostgresLogBatchTable(url, clock);
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->Insert(Batch("old", 1000)).ok());
  ASSERT_TRUE((*table)->Insert(Batch("new", 5000)).ok());
  auto lease = (*store)->TryAcquireLease("controller/log-batches", "me", std::chrono::seconds(30));
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();

  auto stale = (*table)->DeleteOlderThan(WallTime(std::chrono::milliseconds(2000)),
                                         LeaseFence{"controller/log-batches", lease->token + 1});
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition) << stale.status().ToString();
  auto deleted = (*table)->DeleteOlderThan(WallTime(std::chrono::milliseconds(2000)),
                                           LeaseFence{"controller/log-batches", lease->token});
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1);
  auto bounds = (*table)->Bounds();
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(bounds->oldest_id, 2);
  EXPECT_EQ(bounds->last_id, 2);
}

TEST(PgLogBatchTableTest, WaitForInsertReturnsWhenAnotherConnectionInserts) {
  KELOLA_POSTGRES_URL(url);
  RealClock clock;
  auto reader = OpenPostgresLogBatchTable(url, clock);
  auto writer = OpenPostgresLogBatchTable(url, clock);
  ASSERT_TRUE(reader.ok() && writer.ok());
  (*reader)->WaitForInsert(std::chrono::milliseconds(0));  // connects and listens
  std::thread insert([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE((*writer)->Insert(Batch("wake")).ok());
  });
  auto started = clock.Monotonic();
  (*reader)->WaitForInsert(std::chrono::seconds(20));
  insert.join();
  EXPECT_LT(clock.Monotonic() - started, std::chrono::seconds(10)) << "woken by the notification, not the timeout";
  auto rows = (*reader)->ReadAfter(0, 10, 1 << 20);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 1u);
}

TEST(PgLogBatchTableTest, WakeEndsAWait) {
  KELOLA_POSTGRES_URL(url);
  RealClock clock;
  auto table = OpenPostgresLogBatchTable(url, clock);
  ASSERT_TRUE(table.ok());
  (*table)->WaitForInsert(std::chrono::milliseconds(0));
  (*table)->Wake();
  auto started = clock.Monotonic();
  (*table)->WaitForInsert(std::chrono::seconds(20));
  EXPECT_LT(clock.Monotonic() - started, std::chrono::seconds(10));
}

}  // namespace
}  // namespace kelola
