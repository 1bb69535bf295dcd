#include "ssh/rollout_plan.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(RolloutPlanTest, ParsesCountsAndShares) {
  RolloutPolicy policy;
  ASSERT_TRUE(ParseSerial("5", &policy).ok());
  EXPECT_EQ(policy.serial_hosts, 5);
  EXPECT_EQ(policy.serial_percent, 0);
  ASSERT_TRUE(ParseSerial("20%", &policy).ok());
  EXPECT_EQ(policy.serial_hosts, 0);
  EXPECT_EQ(policy.serial_percent, 20);
  ASSERT_TRUE(ParseSerial("", &policy).ok());
  EXPECT_EQ(policy.serial_hosts, 0);
  EXPECT_EQ(policy.serial_percent, 0);
}

TEST(RolloutPlanTest, RejectsNonsense) {
  RolloutPolicy policy;
  for (const char* bad : {"0", "-1", "abc", "5x", "%", "150%", "0%", "2.5", "nan", "inf"}) {
    Status status = ParseSerial(bad, &policy);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("serial"), std::string::npos) << bad;
  }
}

TEST(RolloutPlanTest, PlansBatches) {
  RolloutPolicy all;
  EXPECT_EQ(PlanBatches(7, all), (std::vector<int>{7}));
  RolloutPolicy five;
  five.serial_hosts = 5;
  EXPECT_EQ(PlanBatches(12, five), (std::vector<int>{5, 5, 2}));
  EXPECT_EQ(PlanBatches(3, five), (std::vector<int>{3}));
  RolloutPolicy share;
  share.serial_percent = 20;
  EXPECT_EQ(PlanBatches(20, share), (std::vector<int>{4, 4, 4, 4, 4}));
  EXPECT_EQ(PlanBatches(3, share), (std::vector<int>{1, 1, 1}));  // never 0 hosts per batch
  share.serial_percent = 30;
  EXPECT_EQ(PlanBatches(10, share), (std::vector<int>{3, 3, 3, 1}));
  EXPECT_TRUE(PlanBatches(0, five).empty());
}

TEST(RolloutPlanTest, ThresholdIsStrictlyMoreThanThePercentage) {
  RolloutPolicy policy;
  policy.max_fail_percentage = 20;
  EXPECT_FALSE(FailureThresholdExceeded(0, 5, policy));
  EXPECT_FALSE(FailureThresholdExceeded(1, 5, policy));  // exactly 20%
  EXPECT_TRUE(FailureThresholdExceeded(2, 5, policy));
  policy.max_fail_percentage = 0;
  EXPECT_TRUE(FailureThresholdExceeded(1, 1000, policy));
  policy.max_fail_percentage = 100;
  EXPECT_FALSE(FailureThresholdExceeded(5, 5, policy));
}

}  // namespace
}  // namespace kelola
