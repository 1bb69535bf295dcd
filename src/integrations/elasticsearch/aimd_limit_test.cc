#include "integrations/elasticsearch/aimd_limit.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(AimdLimitTest, GrowsByOneHalvesOnOverloadWithinBounds) {
  AimdLimit l(8);
  EXPECT_EQ(l.limit(), 1);
  for (int i = 0; i < 20; ++i) l.OnClean();
  EXPECT_EQ(l.limit(), 8);
  l.OnOverload();
  EXPECT_EQ(l.limit(), 4);
  l.OnClean();
  EXPECT_EQ(l.limit(), 5);
  for (int i = 0; i < 10; ++i) l.OnOverload();
  EXPECT_EQ(l.limit(), 1);
  AimdLimit one(0);
  one.OnClean();
  EXPECT_EQ(one.limit(), 1);
}

}  // namespace
}  // namespace kelola
