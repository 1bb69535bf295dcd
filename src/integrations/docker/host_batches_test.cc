#include "integrations/docker/host_batches.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

TEST(HostBatchesTest, CountsAndSharesRoundUp) {
  EXPECT_EQ(*HostBatchSize("1", 3), 1);
  EXPECT_EQ(*HostBatchSize("3", 3), 3);
  EXPECT_EQ(*HostBatchSize("5", 3), 3);    // never more than there are
  EXPECT_EQ(*HostBatchSize("34%", 3), 2);  // 1.02 rounds up
  EXPECT_EQ(*HostBatchSize("33%", 3), 1);  // 0.99 rounds up to 1
  EXPECT_EQ(*HostBatchSize("1%", 3), 1);   // at least 1
  EXPECT_EQ(*HostBatchSize("100%", 7), 7);
  EXPECT_EQ(*HostBatchSize("50%", 7), 4);
  EXPECT_EQ(*HostBatchSize("2", 0), 0);
}

TEST(HostBatchesTest, BadBatchesNameTheField) {
  for (const char* bad : {"", "0", "-1", "abc", "0%", "150%", "%", "2x", "1.5", "9999999"}) {
    auto r = HostBatchSize(bad, 3);
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
