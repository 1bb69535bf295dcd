#include "engine/controller.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(ResourceKeyTest, RoundTrips) {
  EXPECT_EQ(ResourceKey("Host", "web-1"), "Host/web-1");
  auto parts = ParseResourceKey("Host/web-1");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(parts->kind, "Host");
  EXPECT_EQ(parts->name, "web-1");
}

TEST(ResourceKeyTest, NameMayHoldSlashes) {
  auto parts = ParseResourceKey("Pipeline/team/app");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->kind, "Pipeline");
  EXPECT_EQ(parts->name, "team/app");
}

TEST(ResourceKeyTest, RejectsMalformedKeysWithReason) {
  for (const char* bad : {"", "Host", "/web-1", "Host/"}) {
    auto parts = ParseResourceKey(bad);
    ASSERT_FALSE(parts.ok()) << bad;
    EXPECT_EQ(parts.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parts.status().message().find(std::string("\"") + bad + "\""), std::string::npos)
        << parts.status().message();
  }
}

}  // namespace
}  // namespace kelola
