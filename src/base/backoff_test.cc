#include "base/backoff.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kelola {
namespace {

using std::chrono::milliseconds;

TEST(CappedExponentialDelayTest, NeverOverflows) {
  EXPECT_EQ(CappedExponentialDelay(milliseconds(5), Duration::max(), 0), milliseconds(5));
  EXPECT_EQ(CappedExponentialDelay(milliseconds(5), Duration::max(), 1'000'000), Duration::max());
}

TEST(CappedExponentialDelayTest, DoublesUpToTheCap) {
  EXPECT_EQ(CappedExponentialDelay(milliseconds(5), milliseconds(40), 2), milliseconds(20));
  EXPECT_EQ(CappedExponentialDelay(milliseconds(5), milliseconds(40), 3), milliseconds(40));
  EXPECT_EQ(CappedExponentialDelay(milliseconds(5), milliseconds(40), 4), milliseconds(40));
  EXPECT_EQ(CappedExponentialDelay(milliseconds(5), milliseconds(40), -3), milliseconds(5));
  EXPECT_EQ(CappedExponentialDelay(Duration::zero(), milliseconds(40), 0), Duration(1));
}

TEST(BackoffDelayTest, FullJitterOverDoublingCap) {
  const milliseconds initial(100), max(5000);
  EXPECT_EQ(BackoffDelay(0, initial, max, 0.0), Duration::zero());
  EXPECT_EQ(BackoffDelay(0, initial, max, 0.5), milliseconds(50));
  EXPECT_EQ(BackoffDelay(1, initial, max, 0.5), milliseconds(100));
  EXPECT_EQ(BackoffDelay(2, initial, max, 0.5), milliseconds(200));
  EXPECT_EQ(BackoffDelay(3, initial, max, 0.25), milliseconds(200));
  // Capped: 100ms * 2^10 > 5s.
  EXPECT_EQ(BackoffDelay(10, initial, max, 0.5), milliseconds(2500));
  EXPECT_LE(BackoffDelay(10, initial, max, 0.999999), max);
  EXPECT_GT(BackoffDelay(10, initial, max, 0.999999), milliseconds(4990));
}

TEST(BackoffDelayTest, NeverOverflowsOrGoesNegative) {
  const milliseconds initial(100), max(5000);
  EXPECT_EQ(BackoffDelay(1000, initial, max, 0.5), milliseconds(2500));
  EXPECT_EQ(BackoffDelay(std::numeric_limits<int>::max(), initial, max, 1.0), max);
  EXPECT_EQ(BackoffDelay(-5, initial, max, 1.0), initial);
  EXPECT_EQ(BackoffDelay(3, initial, max, -1.0), Duration::zero());
  EXPECT_EQ(BackoffDelay(3, initial, max, 7.0), milliseconds(800));
  EXPECT_EQ(BackoffDelay(3, initial, max, std::nan("")), Duration::zero());
  EXPECT_EQ(BackoffDelay(3, Duration::zero(), max, 0.5), Duration::zero());
  EXPECT_EQ(BackoffDelay(3, initial, Duration::zero(), 0.5), Duration::zero());
}

}  // namespace
}  // namespace kelola
