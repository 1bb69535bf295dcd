// PostgresStore: the conformance suite on a real PostgreSQL (a private
// server started by tests/harness, a fresh database per test), plus what
// only a shared database has: several store instances (replicas) on one
// database, migrations racing, a server restart, connection errors.
//
// Waiting here uses real time on purpose: events from another store arrive
// through a real server and a listener thread.
#include "store/postgres_store.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/postgres_connection.h"
#include "store/postgres_schema.h"
#include "store/postgres_test_server.h"
#include "store/store_conformance.h"

namespace kelola {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

[[maybe_unused]] ::testing::Environment* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresTestServer);

class PostgresTestDatabase final : public StoreTestDatabase {
 public:
  explicit PostgresTestDatabase(std::string url) : url_(std::move(url)) {}
  Result<std::unique_ptr<Store>> Open(Clock& clock) override { return OpenPostgresStore(url_, clock); }

 private:
  std::string url_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(StoreConformanceParam{"Postgres",
                                                                 []() -> std::unique_ptr<StoreTestDatabase> {
                                                                   std::string url =
                                                                       PostgresTestServer::NewDatabaseUrl();
                                                                   if (url.empty()) return nullptr;
                                                                   return std::make_unique<PostgresTestDatabase>(url);
                                                                 },
                                                                 [] { return PostgresTestServer::SkipReason(); }}),
                         [](const auto& info) { return info.param.name; });

// A fresh database for this test, or skip when PostgreSQL is not installed.
#define KELOLA_POSTGRES_URL(url)                          \
  std::string url = PostgresTestServer::NewDatabaseUrl(); \
  if (url.empty()) GTEST_SKIP() << PostgresTestServer::SkipReason()

std::unique_ptr<Store> MustOpen(const std::string& url, Clock& clock) {
  auto store = OpenPostgresStore(url, clock);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

Resource MakeResource(const std::string& name, const std::string& spec = "{}") {
  Resource r;
  r.kind = "Host";
  r.name = name;
  r.spec_json = spec;
  return r;
}

Event MakeEvent(const std::string& type) {
  Event e;
  e.type = type;
  e.subject = "test/x";
  e.actor = "tester";
  return e;
}

// Collects delivered events; Wait() blocks (real time) until `count` arrived.
class Collector {
 public:
  void Add(const Event& e) {
    std::lock_guard<std::mutex> lock(mu_);
    ids_.push_back(e.id);
    types_.push_back(e.type);
    cv_.notify_all();
  }
  bool Wait(size_t count, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return ids_.size() >= count; });
  }
  std::vector<int64_t> ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }
  std::vector<std::string> types() {
    std::lock_guard<std::mutex> lock(mu_);
    return types_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int64_t> ids_;
  std::vector<std::string> types_;
};

std::vector<int64_t> AllEventIds(Store& store) {
  std::vector<int64_t> ids;
  int64_t after = 0;
  while (true) {
    auto page = store.ListEvents({.after_id = after, .limit = 1000});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok() || page->empty()) return ids;
    for (const Event& e : *page) ids.push_back(e.id);
    after = page->back().id;
  }
}

TEST(PostgresStore, ReplicasShareStateAndSeeEachOthersEventsInOrder) {
  KELOLA_POSTGRES_URL(url);
  FakeClock clock;
  auto a = MustOpen(url, clock);
  auto b = MustOpen(url, clock);
  ASSERT_TRUE(a && b);
  Collector on_b;
  auto subscription = b->Subscribe([&](const Event& e) { on_b.Add(e); });

  auto created = a->PutResource(MakeResource("web-1", R"({"n":1})"), {.expected_resource_version = 0});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(a->AppendEvent(MakeEvent("audit.x")).ok());
  ASSERT_TRUE(a->DeleteResource("Host", "web-1", std::nullopt, "alice").ok());
  ASSERT_TRUE(on_b.Wait(3)) << "B saw " << on_b.ids().size() << " of A's 3 events";
  EXPECT_THAT(on_b.types(), ::testing::ElementsAre("resource.created", "audit.x", "resource.deleted"));
  EXPECT_EQ(on_b.ids(), AllEventIds(*a));
  EXPECT_EQ(b->LastEventId(), on_b.ids().back()) << "B knows the newest id once it was delivered";

  // Optimistic concurrency holds across replicas.
  auto v1 = b->PutResource(MakeResource("db-1"), {});
  ASSERT_TRUE(v1.ok());
  ASSERT_TRUE(
      a->PutResource(MakeResource("db-1", R"({"n":2})"), {.expected_resource_version = v1->resource_version}).ok());
  auto stale = b->PutResource(MakeResource("db-1", R"({"n":3})"), {.expected_resource_version = v1->resource_version});
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(b->GetResource("Host", "db-1")->spec_json, R"({"n":2})");
}

TEST(PostgresStore, ConcurrentWritesThroughTwoReplicasReachEverySubscriberOnceInIdOrder) {
  KELOLA_POSTGRES_URL(url);
  FakeClock clock;
  auto a = MustOpen(url, clock);
  auto b = MustOpen(url, clock);
  ASSERT_TRUE(a && b);
  Collector on_a, on_b;
  auto sub_a = a->Subscribe([&](const Event& e) { on_a.Add(e); });
  auto sub_b = b->Subscribe([&](const Event& e) { on_b.Add(e); });
  constexpr int kThreadsPerReplica = 3;
  constexpr int kWrites = 30;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreadsPerReplica; ++t) {
    Store& store = t % 2 == 0 ? *a : *b;
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kWrites; ++i) {
        if (i % 3 == 0) {
          EXPECT_TRUE(store.AppendEvent(MakeEvent("tick")).ok());
        } else {
          auto put = store.PutResource(MakeResource("h" + std::to_string(t), "{\"i\":" + std::to_string(i) + "}"), {});
          EXPECT_TRUE(put.ok()) << put.status().ToString();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const size_t total = 2 * kThreadsPerReplica * kWrites;
  ASSERT_TRUE(on_a.Wait(total));
  ASSERT_TRUE(on_b.Wait(total));
  std::vector<int64_t> all = AllEventIds(*a);
  ASSERT_EQ(all.size(), total);
  for (size_t i = 1; i < all.size(); ++i) ASSERT_EQ(all[i], all[i - 1] + 1) << "event ids have no gaps";
  EXPECT_EQ(on_a.ids(), all);
  EXPECT_EQ(on_b.ids(), all);
}

TEST(PostgresStore, ABigBurstFromAnotherWriterArrivesWholeAndInOrder) {
  KELOLA_POSTGRES_URL(url);
  FakeClock clock;
  auto store = MustOpen(url, clock);
  ASSERT_NE(store, nullptr);
  Collector seen;
  auto subscription = store->Subscribe([&](const Event& e) { seen.Add(e); });
  // 2500 events in one transaction from outside kelola's write path (think
  // a replica writing while this one's listener was busy): the listener
  // reads them back in pages.
  auto conn = PgConnection::Open(url);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)
                  ->ExecScript("BEGIN; "
                               "WITH c AS (UPDATE counters SET value = value + 2500 WHERE name = 'event_id' "
                               "RETURNING value) "
                               "INSERT INTO events (id, time, type, subject, actor, data) "
                               "SELECT c.value - 2500 + g, 0, 'bulk', 'test/bulk', 'sql', '{}' "
                               "FROM c, generate_series(1, 2500) AS g; "
                               "COMMIT;")
                  .ok());
  ASSERT_TRUE(seen.Wait(2500)) << "saw " << seen.ids().size();
  std::vector<int64_t> ids = seen.ids();
  ASSERT_EQ(ids.size(), 2500u);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], static_cast<int64_t>(i) + 1);
  EXPECT_EQ(store->LastEventId(), 2500);
  auto next = store->AppendEvent(MakeEvent("after"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->id, 2501);
}

TEST(PostgresStore, ReplicasStartingTogetherApplyMigrationsOnce) {
  KELOLA_POSTGRES_URL(url);
  FakeClock clock;
  constexpr int kReplicas = 4;
  std::vector<std::unique_ptr<Store>> stores(kReplicas);
  std::vector<Status> results(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      auto opened = OpenPostgresStore(url, clock);
      results[i] = opened.status();
      if (opened.ok()) stores[i] = std::move(opened).value();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  auto conn = PgConnection::Open(url);
  ASSERT_TRUE(conn.ok());
  auto count = (*conn)->Exec("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->Int(0, 0), static_cast<int64_t>(PostgresStoreMigrations().size()));
}

TEST(PostgresStore, RefusesADatabaseFromANewerRelease) {
  KELOLA_POSTGRES_URL(url);
  FakeClock clock;
  ASSERT_NE(MustOpen(url, clock), nullptr);
  auto conn = PgConnection::Open(url);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 0)").ok());
  auto store = OpenPostgresStore(url, clock);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("999"));
}

TEST(PostgresStore, ConnectionErrorsAreUnavailableAndHideThePassword) {
  FakeClock clock;
  auto unreachable = OpenPostgresStore("postgresql://kelola:s3cret@127.0.0.1:1/kelola", clock);
  EXPECT_EQ(unreachable.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(unreachable.status().message(), HasSubstr("127.0.0.1"));
  EXPECT_THAT(unreachable.status().message(), Not(HasSubstr("s3cret")));
  auto malformed = OpenPostgresStore("postgresql://host:notaport/db?nonsense=1", clock);
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsPostgresUrl("postgres://h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgresql://h/db"));
  EXPECT_FALSE(IsPostgresUrl("/var/lib/kelola/kelola.db"));
}

TEST(PostgresStore, RedactedUrlHidesPasswords) {
  EXPECT_EQ(RedactedUrl("postgresql://kelola:s3cret@db:5432/kelola"), "postgresql://kelola:***@db:5432/kelola");
  EXPECT_EQ(RedactedUrl("postgresql://kelola@db/kelola"), "postgresql://kelola@db/kelola");
  EXPECT_EQ(RedactedUrl("postgresql://db/k?user=u&password=s3cret&sslmode=require"),
            "postgresql://db/k?user=u&password=***&sslmode=require");
  EXPECT_EQ(RedactedUrl("host=db password = 's3 cret' dbname=k"), "host=db password = *** dbname=k");
}

TEST(PostgresStore, SurvivesAServerRestartWithoutLosingEvents) {
  KELOLA_POSTGRES_URL(url);
  FakeClock clock;
  auto writer = MustOpen(url, clock);
  auto watcher = MustOpen(url, clock);
  ASSERT_TRUE(writer && watcher);
  Collector seen;
  auto subscription = watcher->Subscribe([&](const Event& e) { seen.Add(e); });
  ASSERT_TRUE(writer->AppendEvent(MakeEvent("before")).ok());
  ASSERT_TRUE(seen.Wait(1));

  harness::PostgresServer* server = PostgresTestServer::Get();
  ASSERT_TRUE(server->Stop().ok());
  auto down = writer->PutResource(MakeResource("a"), {});
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status().ToString();
  EXPECT_EQ(watcher->GetResource("Host", "a").status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(server->Restart().ok());

  // The first calls after the restart succeed: dead pooled connections are
  // replaced, not reported.
  auto put = writer->PutResource(MakeResource("a"), {});
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  ASSERT_TRUE(writer->AppendEvent(MakeEvent("after")).ok());
  EXPECT_TRUE(watcher->GetResource("Host", "a").ok());
  // The watcher's listener reconnects and catches up on what it missed.
  ASSERT_TRUE(seen.Wait(3)) << "the watcher saw " << seen.ids().size() << " of 3 events";
  EXPECT_THAT(seen.types(), ::testing::ElementsAre("before", "resource.created", "after"));
  EXPECT_EQ(seen.ids(), AllEventIds(*writer));
}

TEST(PostgresStore, LeaseTakeoverFencesTheFormerLeaderOnAnotherReplica) {
  KELOLA_POSTGRES_URL(url);
  FakeClock clock;
  auto old_leader = MustOpen(url, clock);
  auto new_leader = MustOpen(url, clock);
  ASSERT_TRUE(old_leader && new_leader);
  auto first = old_leader->TryAcquireLease("controller/hosts", "replica-a", std::chrono::seconds(10));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(new_leader->TryAcquireLease("controller/hosts", "replica-b", std::chrono::seconds(10)).status().code(),
            StatusCode::kAborted);
  PutOptions fenced_a{.fence = LeaseFence{"controller/hosts", first->token}};
  ASSERT_TRUE(old_leader->PutResource(MakeResource("x", R"({"by":"a"})"), fenced_a).ok());

  clock.Advance(std::chrono::seconds(11));  // replica-a paused past its lease
  auto second = new_leader->TryAcquireLease("controller/hosts", "replica-b", std::chrono::seconds(10));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->token, first->token + 1);
  ASSERT_TRUE(
      new_leader->PutResource(MakeResource("x", R"({"by":"b"})"), {.fence = LeaseFence{"controller/hosts", 2}}).ok());
  auto late = old_leader->PutResource(MakeResource("x", R"({"by":"a-late"})"), fenced_a);
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition) << late.status().ToString();
  EXPECT_EQ(new_leader->GetResource("Host", "x")->spec_json, R"({"by":"b"})");
}

}  // namespace
}  // namespace kelola
