#include "logs/recent_id_set.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(RecentIdSet, ReportsRepeatsAndForgetsTheOldestBeyondCapacity) {
  RecentIdSet set(2);
  EXPECT_TRUE(set.Insert("app/a"));
  EXPECT_FALSE(set.Insert("app/a"));
  EXPECT_TRUE(set.Insert("b"));
  EXPECT_TRUE(set.Insert("c"));  // evicts the first
  EXPECT_EQ(set.size(), 2u);
  EXPECT_FALSE(set.Contains("app/a"));
  EXPECT_TRUE(set.Contains("b"));
  EXPECT_FALSE(set.Insert("c"));
}

TEST(RecentIdSet, ZeroCapacityRemembersNothing) {
  RecentIdSet set(0);
  EXPECT_TRUE(set.Insert("x"));
  EXPECT_TRUE(set.Insert("x"));
  EXPECT_EQ(set.size(), 0u);
}

}  // namespace
}  // namespace kelola
