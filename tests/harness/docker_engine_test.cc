// Proves the Docker helpers against the real engine: ping, build the
// FROM-scratch busybox image, run a container and read its output.
#include "tests/harness/docker_engine.h"

#include <gtest/gtest.h>

namespace kelola::harness {
namespace {

constexpr const char* kBusyboxTag = "kelola-test/busybox:harness";

// Skips only when Docker cannot be had at all (not installed); a Docker
// that is installed but fails is a test failure.
#define KELOLA_ENSURE_DOCKER(engine)                                        \
  auto engine##_result = DockerEngine::Ensure();                            \
  if (engine##_result.status().code() == StatusCode::kFailedPrecondition) { \
    GTEST_SKIP() << engine##_result.status().message();                     \
  }                                                                         \
  ASSERT_TRUE(engine##_result.ok()) << engine##_result.status().ToString(); \
  DockerEngine& engine = **engine##_result

TEST(DockerEngineTest, PingsWithNegotiatedVersion) {
  KELOLA_ENSURE_DOCKER(docker);
  EXPECT_EQ(LowerApiVersion(docker.api_version(), DockerEngine::kMaxApiVersion), docker.api_version());
  auto ping = docker.Call("GET", "/_ping");
  ASSERT_TRUE(ping.ok()) << ping.status().ToString();
  EXPECT_EQ(ping->status, 200);
  EXPECT_EQ(ping->body, "OK");
  auto version = docker.Call("GET", "/version");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->status, 200);
  EXPECT_NE(version->body.find("\"ApiVersion\""), std::string::npos);
}

TEST(DockerEngineTest, BuildsBusyboxImageAndRunsAContainer) {
  KELOLA_ENSURE_DOCKER(docker);
  Status built = docker.BuildBusyboxImage(kBusyboxTag);
  ASSERT_TRUE(built.ok()) << built.ToString();

  auto run = docker.RunContainer(kBusyboxTag, {"echo", "hi"});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 0);
  EXPECT_EQ(run->output.out, "hi\n");
  EXPECT_EQ(run->output.err, "");

  auto failing = docker.RunContainer(kBusyboxTag, {"sh", "-c", "echo bad >&2; exit 4"});
  ASSERT_TRUE(failing.ok()) << failing.status().ToString();
  EXPECT_EQ(failing->exit_code, 4);
  EXPECT_EQ(failing->output.err, "bad\n");

  // RunContainer removes what it created.
  auto left = docker.Call(
      "GET", "/containers/json?all=1&filters=" +
                 UrlEncode("{\"label\":[\"kelola-test\"],\"ancestor\":[\"" + std::string(kBusyboxTag) + "\"]}"));
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->body, "[]\n");
}

}  // namespace
}  // namespace kelola::harness
