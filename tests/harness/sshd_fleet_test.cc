// Proves SshdFleet with the OpenSSH client: every host answers a command,
// and strict host key checking holds against the harness's known_hosts.
#include "tests/harness/sshd_fleet.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/harness/free_port.h"
#include "tests/harness/run_command.h"

namespace kelola::harness {
namespace {

#define KELOLA_START_FLEET(fleet, n)                                       \
  auto fleet##_result = SshdFleet::Start(n);                               \
  if (fleet##_result.status().code() == StatusCode::kFailedPrecondition) { \
    GTEST_SKIP() << fleet##_result.status().message();                     \
  }                                                                        \
  ASSERT_TRUE(fleet##_result.ok()) << fleet##_result.status().ToString();  \
  SshdFleet& fleet = **fleet##_result

TEST(SshdFleetTest, EveryHostRunsACommandOverSsh) {
  KELOLA_START_FLEET(fleet, 3);
  ASSERT_EQ(fleet.hosts().size(), 3u);
  EXPECT_EQ(fleet.user(), SshdFleet::kLoginUser);
  for (size_t i = 0; i < fleet.hosts().size(); ++i) {
    auto result = RunCommand(fleet.SshCommand(i, "echo hi; id -un"), std::chrono::seconds(30));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->exit_code, 0) << result->err << "\nsshd log: " << fleet.log_path(i);
    EXPECT_EQ(result->out, "hi\n" + fleet.user() + "\n");
  }
}

TEST(SshdFleetTest, HostsHaveDistinctPinnedKeys) {
  KELOLA_START_FLEET(fleet, 2);
  const auto& hosts = fleet.hosts();
  EXPECT_NE(hosts[0].port, hosts[1].port);
  EXPECT_NE(hosts[0].host_public_key, hosts[1].host_public_key);
  EXPECT_EQ(hosts[0].host_public_key.rfind("ssh-ed25519 ", 0), 0u);
  EXPECT_NE(fleet.known_hosts().find("[127.0.0.1]:" + std::to_string(hosts[1].port) + " " + hosts[1].host_public_key),
            std::string::npos);

  // A known_hosts that pins host 1 under host 0's name must be refused.
  std::string wrong = "[127.0.0.1]:" + std::to_string(hosts[0].port) + " " + hosts[1].host_public_key + "\n";
  std::string wrong_path = fleet.known_hosts_path() + ".wrong";
  {
    FILE* f = std::fopen(wrong_path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(wrong.c_str(), f);
    std::fclose(f);
  }
  auto argv = fleet.SshCommand(0, "echo hi");
  for (auto& arg : argv) {
    if (arg.rfind("UserKnownHostsFile=", 0) == 0) arg = "UserKnownHostsFile=" + wrong_path;
  }
  auto result = RunCommand(argv, std::chrono::seconds(30));
  ASSERT_TRUE(result.ok());
  EXPECT_NE(result->exit_code, 0);
  EXPECT_EQ(result->out, "");
  EXPECT_NE(result->err.find("HOST IDENTIFICATION HAS CHANGED"), std::string::npos) << result->err;
}

TEST(SshdFleetTest, DestructionStopsServersAndRemovesFiles) {
  std::vector<int> ports;
  std::string key;
  {
    KELOLA_START_FLEET(fleet, 2);
    for (const auto& host : fleet.hosts()) ports.push_back(host.port);
    key = fleet.client_key_path();
    ASSERT_TRUE(std::filesystem::exists(key));
  }
  // (Whether the ports are free again is not asserted: under `ctest -j` another
  // test may take a freed port at once. ChildProcess's tests cover stopping.)
  EXPECT_FALSE(std::filesystem::exists(key));
}

}  // namespace
}  // namespace kelola::harness
