#include "integrations/docker/host_batches.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

TEST(HostBatchesTest, BadBatchesNameTheField) {
  for (const char* bad : {"", "0", "-1", "abc", "0%", "150%", "%", "2x", "1.5"}) {
    auto r = PlanHostBatches(bad, {"a", "b", "c"});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("spec.dockerhosts.batch"), std::string::npos) << r.status().message();
  }
}

TEST(HostBatchesTest, PlansBatchesInOrder) {
  const std::vector<std::string> hosts = {"a", "b", "c", "d", "e"};
  auto one = PlanHostBatches("1", hosts);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 5u);
  EXPECT_EQ((*one)[3], std::vector<std::string>{"d"});
  auto two = PlanHostBatches("40%", hosts);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 3u);
  EXPECT_EQ((*two)[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*two)[2], std::vector<std::string>{"e"});
  auto all = PlanHostBatches("100%", hosts);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0], hosts);
  auto none = PlanHostBatches("1", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(PlanHostBatches("0", hosts).ok());
}

}  // namespace
}  // namespace kelola::docker
