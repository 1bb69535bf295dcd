#include "base/http_token.h"

#include <gtest/gtest.h>

#include <string>

namespace kelola {
namespace {

TEST(HttpTokenTest, AcceptsEveryTcharAndNothingElse) {
  const std::string tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  int accepted = 0;
  for (int i = 0; i < 256; ++i) {
    const char c = static_cast<char>(i);
    const bool expected = tchars.find(c) != std::string::npos;
    EXPECT_EQ(IsHttpTokenChar(c), expected) << "byte " << i;
    accepted += IsHttpTokenChar(c) ? 1 : 0;
  }
  EXPECT_EQ(accepted, static_cast<int>(tchars.size()));
}

TEST(HttpTokenTest, NulIsNotATokenChar) {
  EXPECT_FALSE(IsHttpTokenChar('\0'));
  EXPECT_FALSE(IsHttpToken(std::string_view("X-A\0b", 5)));
}

TEST(HttpTokenTest, Tokens) {
  EXPECT_TRUE(IsHttpToken("GET"));
  EXPECT_TRUE(IsHttpToken("X-Amz-Date"));
  EXPECT_FALSE(IsHttpToken(""));
  EXPECT_FALSE(IsHttpToken("Content Type"));
  EXPECT_FALSE(IsHttpToken("a:b"));
  EXPECT_FALSE(IsHttpToken("caf\xc3\xa9"));
}

}  // namespace
}  // namespace kelola
