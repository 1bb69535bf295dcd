#include "engine/backoff.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ExponentialBackoffTest, DoublesFromBaseLikeClientGo) {
  ExponentialBackoff backoff;
  EXPECT_EQ(backoff.NextDelay("a"), milliseconds(5));
  EXPECT_EQ(backoff.NextDelay("a"), milliseconds(10));
  EXPECT_EQ(backoff.NextDelay("a"), milliseconds(20));
  EXPECT_EQ(backoff.NextDelay("a"), milliseconds(40));
  EXPECT_EQ(backoff.Failures("a"), 4);
}

TEST(ExponentialBackoffTest, KeysAreIndependent) {
  ExponentialBackoff backoff;
  EXPECT_EQ(backoff.NextDelay("a"), milliseconds(5));
  EXPECT_EQ(backoff.NextDelay("a"), milliseconds(10));
  EXPECT_EQ(backoff.NextDelay("b"), milliseconds(5));
  EXPECT_EQ(backoff.Failures("b"), 1);
  EXPECT_EQ(backoff.Failures("unknown"), 0);
}

TEST(ExponentialBackoffTest, CapsAtMaxAndStaysThere) {
  ExponentialBackoff backoff;
  // 5 ms * 2^17 = 655.36 s is the last uncapped delay; 2^18 would be 1310 s.
  for (int i = 0; i < 17; ++i) (void)backoff.NextDelay("a");
  EXPECT_EQ(backoff.NextDelay("a"), milliseconds(655'360));
  EXPECT_EQ(backoff.NextDelay("a"), seconds(1000));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(backoff.NextDelay("a"), seconds(1000));
}

TEST(ExponentialBackoffTest, ForgetStartsOver) {
  ExponentialBackoff backoff;
  (void)backoff.NextDelay("a");
  (void)backoff.NextDelay("a");
  backoff.Forget("a");
  EXPECT_EQ(backoff.Failures("a"), 0);
  EXPECT_EQ(backoff.NextDelay("a"), milliseconds(5));
}

TEST(ExponentialBackoffTest, CustomPolicyAndInvalidPolicyRepaired) {
  ExponentialBackoff custom(BackoffPolicy{seconds(1), seconds(3)});
  EXPECT_EQ(custom.NextDelay("a"), seconds(1));
  EXPECT_EQ(custom.NextDelay("a"), seconds(2));
  EXPECT_EQ(custom.NextDelay("a"), seconds(3));

  ExponentialBackoff broken(BackoffPolicy{Duration::zero(), Duration(-5)});
  EXPECT_EQ(broken.NextDelay("a"), milliseconds(1));
  EXPECT_EQ(broken.NextDelay("a"), milliseconds(1));
}

}  // namespace
}  // namespace kelola
