// Proves PostgresServer against the real server: databases can be created
// and queried, data survives Stop()/Restart() on the same port, and nothing
// is left running or on disk after destruction.
#include "tests/harness/postgres_server.h"

#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/harness/free_port.h"

namespace kelola::harness {
namespace {

TEST(PostgresServerTest, CreatesQueriesRestartsAndCleansUp) {
  auto started = PostgresServer::Start();
  if (started.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << started.status().message();
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  auto& pg = **started;
  ASSERT_GT(pg.port(), 0);
  EXPECT_TRUE(PortAcceptsConnections(pg.port()));

  auto url = pg.CreateDatabase("harness_db");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(*url, "postgresql://postgres@127.0.0.1:" + std::to_string(pg.port()) + "/harness_db");
  EXPECT_EQ(pg.CreateDatabase("bad-name; DROP").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pg.CreateDatabase("harness_db").status().code(), StatusCode::kInternal) << "exists already";

  ASSERT_TRUE(pg.Query("harness_db", "CREATE TABLE t (v int); INSERT INTO t VALUES (41), (1)").ok());
  auto sum = pg.Query("harness_db", "SELECT sum(v) FROM t");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, "42\n");
  auto version = pg.Query("postgres", "SHOW server_version_num");
  ASSERT_TRUE(version.ok());
  EXPECT_GE(std::stoi(*version), 150000);
  auto bad_sql = pg.Query("harness_db", "SELECT nope FROM t");
  ASSERT_FALSE(bad_sql.ok());
  EXPECT_NE(bad_sql.status().message().find("nope"), std::string::npos) << bad_sql.status().message();

  const int port = pg.port();
  ASSERT_TRUE(pg.Stop().ok());
  EXPECT_FALSE(pg.running());
  EXPECT_FALSE(PortAcceptsConnections(port));
  EXPECT_FALSE(pg.Query("harness_db", "SELECT 1").ok()) << "the server is down";
  ASSERT_TRUE(pg.Stop().ok()) << "stopping twice is harmless";

  ASSERT_TRUE(pg.Restart().ok());
  EXPECT_EQ(pg.port(), port) << "a restart keeps the port, so URLs stay valid";
  EXPECT_EQ(pg.Query("harness_db", "SELECT sum(v) FROM t").value_or(""), "42\n") << "data survived the restart";
  EXPECT_EQ(pg.Restart().code(), StatusCode::kFailedPrecondition);

  const std::string log = pg.log_path();
  const std::string dir = std::filesystem::path(log).parent_path().string();
  EXPECT_TRUE(std::filesystem::exists(dir));
  started->reset();
  EXPECT_FALSE(PortAcceptsConnections(port));
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the temp dir is removed";
}

}  // namespace
}  // namespace kelola::harness
