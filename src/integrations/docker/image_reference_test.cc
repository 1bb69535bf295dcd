#include "integrations/docker/image_reference.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

TEST(ImageReferenceTest, RegistryRepositoryTagDigest) {
  auto r = ParseImageReference("127.0.0.1:5000/team/app:1.2");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->registry, "127.0.0.1:5000");
  EXPECT_EQ(r->repository, "team/app");
  EXPECT_EQ(r->tag, "1.2");
  EXPECT_EQ(r->Name(), "127.0.0.1:5000/team/app");

  auto hub = ParseImageReference("debian:12");
  ASSERT_TRUE(hub.ok());
  EXPECT_EQ(hub->registry, "docker.io");
  EXPECT_EQ(hub->repository, "library/debian");
  EXPECT_EQ(hub->ApiHost(), "registry-1.docker.io");
  EXPECT_EQ(hub->Name(), "debian");

  auto nested = ParseImageReference("library/team/app");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->Name(), "library/team/app");  // fuzzer-found: not "team/app"

  auto local = ParseImageReference("localhost/app");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->registry, "localhost");
  EXPECT_EQ(local->tag, "");

  const std::string digest = "sha256:" + std::string(64, 'a');
  auto pinned = ParseImageReference("ghcr.io/o/app@" + digest);
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(pinned->digest, digest);
  EXPECT_EQ(pinned->repository, "o/app");
}

TEST(ImageReferenceTest, RejectsMalformedNames) {
  for (const char* bad : {"", "UPPER/app", "app:", "app:-x", "a//b", "127.0.0.1:5000/", "app@sha256:xyz", "app name",
                          "-app", "app..x", "host:5000/app:ta g"}) {
    EXPECT_EQ(ParseImageReference(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace kelola::docker
