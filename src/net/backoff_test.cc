#include "net/backoff.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ParseRetryAfterTest, DelaySeconds) {
  const WallTime now = std::chrono::system_clock::from_time_t(1'700'000'000);
  EXPECT_EQ(ParseRetryAfter("120", now), seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), seconds(0));
  EXPECT_GE(*ParseRetryAfter("99999999999999999999", now), seconds(86400));
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", now), std::nullopt);
}

TEST(ParseRetryAfterTest, HttpDateRelativeToNow) {
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
  const WallTime now = std::chrono::system_clock::from_time_t(1'700'000'000);
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:50 GMT", now), seconds(30));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now), Duration::zero());
}

TEST(IsRetryableHttpStatusTest, OnlyTransientServerAnswers) {
  for (int s : {429, 502, 503, 504}) EXPECT_TRUE(IsRetryableHttpStatus(s)) << s;
  for (int s : {200, 201, 400, 401, 404, 409, 500, 501}) EXPECT_FALSE(IsRetryableHttpStatus(s)) << s;
}

}  // namespace
}  // namespace kelola
