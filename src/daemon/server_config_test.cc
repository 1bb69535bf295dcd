#include "daemon/server_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kelola {
namespace {

TEST(ServerConfigTest, DefaultsGiveTheEmbeddedSetup) {
  auto config = LoadConfigFromString(ServerConfigSchema(), "", "none", {}, {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto options = ServerOptionsFromConfig(*config);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->listen, "127.0.0.1:7480");
  EXPECT_EQ(options->data_dir, ".kelola");
}

TEST(ServerConfigTest, LayersAndErrors) {
  auto config = LoadConfigFromString(ServerConfigSchema(), "listen: 127.0.0.1:9000\nlog:\n  level: debug\n",
                                     "server.yaml", {{"KELOLA_LISTEN", "127.0.0.1:9001"}}, {{"data_dir", "/tmp/x"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto options = ServerOptionsFromConfig(*config);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->listen, "127.0.0.1:9001");
  EXPECT_EQ(options->data_dir, "/tmp/x");
  EXPECT_EQ(config->GetString("log.level"), "debug");

  auto bad = LoadConfigFromString(ServerConfigSchema(), "listen: a:b:c:99999\n", "server.yaml", {}, {});
  ASSERT_TRUE(bad.ok());
  auto opts = ServerOptionsFromConfig(*bad);
  ASSERT_FALSE(opts.ok());
  EXPECT_NE(opts.status().message().find("server.yaml:1"), std::string::npos) << opts.status().message();

  auto tls = LoadConfigFromString(ServerConfigSchema(), "tls:\n  cert_file: /c.pem\n", "server.yaml", {}, {});
  ASSERT_TRUE(tls.ok());
  EXPECT_FALSE(ServerOptionsFromConfig(*tls).ok());
}

TEST(ServerConfigTest, StoreSelectsPostgresByUrlAndHidesIt) {
  auto sqlite = LoadConfigFromString(ServerConfigSchema(), "", "none", {}, {});
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ(ServerOptionsFromConfig(*sqlite)->store, "") << "SQLite in data_dir by default";

  auto pg = LoadConfigFromString(ServerConfigSchema(), "", "none",
                                 {{"KELOLA_STORE", "postgresql://kelola:s3cret@db:5432/kelola"}}, {});
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  auto options = ServerOptionsFromConfig(*pg);
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->store, "postgresql://kelola:s3cret@db:5432/kelola");

  auto bad = LoadConfigFromString(ServerConfigSchema(), "store: mysql://u:s3cret@db/x\n", "server.yaml", {}, {});
  ASSERT_TRUE(bad.ok());
  auto rejected = ServerOptionsFromConfig(*bad);
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.status().message().find("server.yaml:1"), std::string::npos) << rejected.status().message();
  EXPECT_EQ(rejected.status().message().find("s3cret"), std::string::npos) << "the URL may carry a password";
}

TEST(ServerConfigTest, LogRetentionAndLeaderTimings) {
  auto config = LoadConfigFromString(ServerConfigSchema(),
                                     "logs:\n  retention_age: 48h\n  retention_bytes: 1073741824\n"
                                     "leader:\n  lease_duration: 6s\n  renew_deadline: 4s\n  retry_period: 1s\n",
                                     "server.yaml", {}, {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto options = ServerOptionsFromConfig(*config);
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->log_retention_age, std::chrono::hours(48));
  EXPECT_EQ(options->log_retention_bytes, 1ULL << 30);
  EXPECT_EQ(options->lease_duration, std::chrono::seconds(6));
  EXPECT_EQ(options->retry_period, std::chrono::seconds(1));

  auto bad = LoadConfigFromString(ServerConfigSchema(), "leader:\n  lease_duration: 5s\n  renew_deadline: 10s\n",
                                  "server.yaml", {}, {});
  ASSERT_TRUE(bad.ok());
  auto refused = ServerOptionsFromConfig(*bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("server.yaml:3"), std::string::npos) << refused.status().message();
}

TEST(ServerConfigTest, FleetQuotas) {
  auto defaults = LoadConfigFromString(ServerConfigSchema(), "", "none", {}, {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(ServerOptionsFromConfig(*defaults)->fleet_quota.default_max_servers, 100);
  auto config = LoadConfigFromString(ServerConfigSchema(),
                                     "fleet:\n  quota:\n    default_max_servers: 50\n    teams: [web=20, data=5]\n",
                                     "server.yaml", {}, {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto options = ServerOptionsFromConfig(*config);
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->fleet_quota.MaxFor("web"), 20);
  EXPECT_EQ(options->fleet_quota.MaxFor("data"), 5);
  EXPECT_EQ(options->fleet_quota.MaxFor("other"), 50);

  auto env = LoadConfigFromString(ServerConfigSchema(), "", "none", {{"KELOLA_FLEET_QUOTA_TEAMS", "web=x"}}, {});
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto refused = ServerOptionsFromConfig(*env);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("KELOLA_FLEET_QUOTA_TEAMS"), std::string::npos)
      << refused.status().message();
}

TEST(ServerConfigTest, DocsMatchTheSchema) {
  std::ifstream f(std::string(KELOLA_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(f) << "docs/config.md is missing";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find(ServerConfigSchema().Describe()), std::string::npos)
      << "docs/config.md is out of date; its table must read:\n"
      << ServerConfigSchema().Describe();
}

}  // namespace
}  // namespace kelola
