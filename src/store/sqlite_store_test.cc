// SqliteStore: the conformance suite on a file in a temp directory, plus what
// only SQLite has (WAL files, migrations on reopen, crash safety under
// SIGKILL, integrity checks).
#include "store/sqlite_store.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/migrations.h"
#include "store/sqlite_connection.h"
#include "store/store_conformance.h"

namespace kelola {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "kelola-store-XXXXXX").string();
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  fs::path path() const { return path_; }

 private:
  fs::path path_;
};

class SqliteTestDatabase final : public StoreTestDatabase {
 public:
  Result<std::unique_ptr<Store>> Open(Clock& clock) override {
    return OpenSqliteStore((dir_.path() / "kelola.db").string(), clock);
  }

 private:
  TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreConformanceParam{
                             "Sqlite", [] { return std::make_unique<SqliteTestDatabase>(); }}),
                         [](const auto& info) { return info.param.name; });

Resource MakeResource(const std::string& name, const std::string& spec = "{}") {
  Resource r;
  r.kind = "Host";
  r.name = name;
  r.spec_json = spec;
  return r;
}

TEST(SqliteStore, UsesWalAndAppliesMigrationsOnce) {
  TempDir dir;
  const std::string path = (dir.path() / "kelola.db").string();
  FakeClock clock;
  {
    auto store = OpenSqliteStore(path, clock);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->PutResource(MakeResource("a"), {}).ok());
    EXPECT_TRUE(fs::exists(path + "-wal")) << "writes go to the write-ahead log";
  }
  {
    auto store = OpenSqliteStore(path, clock);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_TRUE((*store)->GetResource("Host", "a").ok());
  }
  auto db = SqliteConnection::Open(path, {});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->QueryText("PRAGMA journal_mode").value_or(""), "wal");
  EXPECT_EQ((*db)->QueryText("SELECT COUNT(*) FROM schema_migrations").value_or(""),
            std::to_string(SqliteStoreMigrations().size()));
  EXPECT_TRUE(CheckSqliteStoreIntegrity(path).ok());
}

TEST(SqliteStore, RefusesADatabaseFromANewerRelease) {
  TempDir dir;
  const std::string path = (dir.path() / "kelola.db").string();
  FakeClock clock;
  ASSERT_TRUE(OpenSqliteStore(path, clock).ok());
  {
    auto db = SqliteConnection::Open(path, {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 0)").ok());
  }
  auto store = OpenSqliteStore(path, clock);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("999"));
}

TEST(SqliteStore, OpenErrorsNameThePath) {
  FakeClock clock;
  auto missing_dir = OpenSqliteStore("/nonexistent-dir-for-kelola/kelola.db", clock);
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_THAT(missing_dir.status().message(), HasSubstr("/nonexistent-dir-for-kelola/kelola.db"));

  TempDir dir;
  const std::string garbage = (dir.path() / "garbage.db").string();
  std::ofstream(garbage) << std::string(8192, 'x');
  auto not_a_db = OpenSqliteStore(garbage, clock);
  ASSERT_FALSE(not_a_db.ok());
  EXPECT_EQ(not_a_db.status().code(), StatusCode::kDataLoss) << not_a_db.status().ToString();
  EXPECT_EQ(CheckSqliteStoreIntegrity(garbage).code(), StatusCode::kDataLoss);
  EXPECT_EQ(CheckSqliteStoreIntegrity((dir.path() / "none.db").string()).code(), StatusCode::kNotFound);
}

TEST(SqliteStore, InMemoryDatabaseWorks) {
  FakeClock clock;
  auto store = OpenSqliteStore(":memory:", clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->PutResource(MakeResource("a", R"({"x":1})"), {}).ok());
  auto got = (*store)->GetResource("Host", "a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->spec_json, R"({"x":1})");
}

TEST(Migrations, RunInOrderOnceAndRollBackAFailure) {
  TempDir dir;
  FakeClock clock;
  auto db = SqliteConnection::Open((dir.path() / "m.db").string(), {});
  ASSERT_TRUE(db.ok());
  std::vector<Migration> migrations = {{1, "t", "CREATE TABLE t (x INTEGER)"}, {2, "row", "INSERT INTO t VALUES (1)"}};
  EXPECT_EQ(ApplyMigrations(**db, migrations, clock).value_or(-1), 2);
  EXPECT_EQ(ApplyMigrations(**db, migrations, clock).value_or(-1), 2);
  EXPECT_EQ((*db)->QueryText("SELECT COUNT(*) FROM t").value_or(""), "1") << "each runs once";

  // A failing script leaves neither its partial effects nor its record.
  migrations.push_back({3, "broken", "INSERT INTO t VALUES (2); INSERT INTO no_such_table VALUES (1)"});
  auto failed = ApplyMigrations(**db, migrations, clock);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("migration 3 (broken)"));
  EXPECT_EQ((*db)->QueryText("SELECT COUNT(*) FROM t").value_or(""), "1");
  EXPECT_EQ((*db)->QueryText("SELECT MAX(version) FROM schema_migrations").value_or(""), "2");

  migrations[2].sql = "INSERT INTO t VALUES (2)";
  EXPECT_EQ(ApplyMigrations(**db, migrations, clock).value_or(-1), 3);
  EXPECT_EQ((*db)->QueryText("SELECT COUNT(*) FROM t").value_or(""), "2");

  std::vector<Migration> gap = {{1, "a", "SELECT 1"}, {3, "c", "SELECT 1"}};
  EXPECT_EQ(ApplyMigrations(**db, gap, clock).status().code(), StatusCode::kInvalidArgument);
}

// A child process writes in a loop and reports each committed write on a
// pipe; it is SIGKILLed at an arbitrary point, several times over. Every
// reported write must be there afterwards, and the file must be intact.
TEST(SqliteStoreCrash, CommittedWritesSurviveSigkill) {
  TempDir dir;
  const std::string path = (dir.path() / "kelola.db").string();
  constexpr int kRounds = 3;
  constexpr int kReportsBeforeKill = 300;
  constexpr int kNames = 64;
  std::map<std::string, int64_t> last_reported;  // name -> highest committed sequence number
  int64_t reported = 0;

  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    const pid_t parent = getpid();
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(4);
      FakeClock clock;
      auto store = OpenSqliteStore(path, clock);
      if (!store.ok()) _exit(2);
      const std::string padding(512, 'p');
      for (int64_t seq = int64_t{round} * 1'000'000; seq < int64_t{round + 1} * 1'000'000; ++seq) {
        std::string name = "h" + std::to_string(seq % kNames);
        nlohmann::json spec = {{"seq", seq}, {"padding", padding}};
        if (!(*store)->PutResource(MakeResource(name, spec.dump()), {}).ok()) _exit(3);
        if (write(fds[1], &seq, sizeof(seq)) != static_cast<ssize_t>(sizeof(seq))) _exit(5);
      }
      _exit(0);
    }
    close(fds[1]);
    int64_t seen_this_round = 0;
    std::string buffer;
    bool killed = false;
    while (true) {
      char chunk[4096];
      ssize_t n = read(fds[0], chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EOF: the child is gone
      buffer.append(chunk, static_cast<size_t>(n));
      while (buffer.size() >= sizeof(int64_t)) {
        int64_t seq;
        std::memcpy(&seq, buffer.data(), sizeof(seq));
        buffer.erase(0, sizeof(seq));
        auto& last = last_reported["h" + std::to_string(seq % kNames)];
        last = std::max(last, seq);
        ++reported;
        ++seen_this_round;
      }
      if (!killed && seen_this_round >= kReportsBeforeKill) {
        ASSERT_EQ(kill(pid, SIGKILL), 0);
        killed = true;
      }
    }
    close(fds[0]);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "child ended on its own (exit " << (WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) << ") after "
        << seen_this_round << " writes";

    Status integrity = CheckSqliteStoreIntegrity(path);
    ASSERT_TRUE(integrity.ok()) << "round " << round << ": " << integrity.ToString();
    FakeClock clock;
    auto store = OpenSqliteStore(path, clock);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (const auto& [name, seq] : last_reported) {
      auto got = (*store)->GetResource("Host", name);
      ASSERT_TRUE(got.ok()) << name << ": " << got.status().ToString();
      int64_t stored = nlohmann::json::parse(got->spec_json)["seq"].get<int64_t>();
      // A write can commit and the child die before reporting it: the stored
      // value may be newer than the last report, never older.
      EXPECT_GE(stored, seq) << name << " lost a committed write";
      EXPECT_EQ(stored % kNames, seq % kNames);
    }
    // Every committed write appended its event in the same transaction.
    EXPECT_GE((*store)->LastEventId(), reported);
  }
  EXPECT_GE(reported, kRounds * kReportsBeforeKill);
}

}  // namespace
}  // namespace kelola
