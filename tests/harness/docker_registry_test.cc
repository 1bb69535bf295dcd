// Proves DockerRegistry: the engine pushes the busybox image to it, and the
// registry lists the tag.
#include "tests/harness/docker_registry.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/harness/docker_engine.h"
#include "tests/harness/http_call.h"

namespace kelola::harness {
namespace {

TEST(DockerRegistryTest, ServesV2WithoutAuth) {
  auto registry = DockerRegistry::Start();
  if (registry.status().code() == StatusCode::kFailedPrecondition) {
    GTEST_SKIP() << registry.status().message();
  }
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  HttpRequestSpec request;
  request.url = (*registry)->url() + "/v2/";
  auto reply = HttpCall(request);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->Header("docker-distribution-api-version"), "registry/2.0");
}

TEST(DockerRegistryTest, StopsOnDestruction) {
  int port = 0;
  {
    auto registry = DockerRegistry::Start();
    if (registry.status().code() == StatusCode::kFailedPrecondition) {
      GTEST_SKIP() << registry.status().message();
    }
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    port = (*registry)->port();
  }
  HttpRequestSpec request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/v2/";
  EXPECT_EQ(HttpCall(request).status().code(), StatusCode::kUnavailable);
}

TEST(DockerRegistryTest, EnginePushesBusyboxAndTagIsListed) {
  auto docker = DockerEngine::Ensure();
  if (docker.status().code() == StatusCode::kFailedPrecondition) {
    GTEST_SKIP() << docker.status().message();
  }
  ASSERT_TRUE(docker.ok()) << docker.status().ToString();
  auto registry = DockerRegistry::Start();
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();

  const std::string source = "kelola-test/busybox:harness";
  ASSERT_TRUE((*docker)->BuildBusyboxImage(source).ok());
  const std::string repo = (*registry)->host_port() + "/kelola/busybox";
  Status tagged = (*docker)->TagImage(source, repo, "v1");
  ASSERT_TRUE(tagged.ok()) << tagged.ToString();
  Status pushed = (*docker)->PushImage(repo, "v1");
  ASSERT_TRUE(pushed.ok()) << pushed.ToString();

  HttpRequestSpec request;
  request.url = (*registry)->url() + "/v2/kelola/busybox/tags/list";
  auto reply = HttpCall(request);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_EQ(reply->status, 200) << reply->body;
  auto body = nlohmann::json::parse(reply->body);
  EXPECT_EQ(body["name"], "kelola/busybox");
  EXPECT_EQ(body["tags"], nlohmann::json::array({"v1"}));

  // Leave no registry-named image behind in the engine.
  (void)(*docker)->Call("DELETE", "/images/" + repo + ":v1");
}

}  // namespace
}  // namespace kelola::harness
