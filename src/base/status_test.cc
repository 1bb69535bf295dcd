#include "base/status.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  KELOLA_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

Status CheckEven(int x) {
  KELOLA_RETURN_IF_ERROR(Half(x).status());
  return OkStatus();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(OkStatus().ok());
  EXPECT_EQ(OkStatus().ToString(), "OK");
  Status s = NotFoundError("host web-1");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NOT_FOUND: host web-1");
  EXPECT_EQ(s.WithContext("get").message(), "get: host web-1");
}

TEST(StatusTest, RetryableCodes) {
  EXPECT_TRUE(UnavailableError("x").IsRetryable());
  EXPECT_TRUE(DeadlineExceededError("x").IsRetryable());
  EXPECT_TRUE(ResourceExhaustedError("x").IsRetryable());
  EXPECT_FALSE(InvalidArgumentError("x").IsRetryable());
  EXPECT_FALSE(PermissionDeniedError("x").IsRetryable());
}

TEST(ResultTest, PropagatesValuesAndErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd: 3");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Half(3).value_or(-1), -1);
}

}  // namespace
}  // namespace kelola
