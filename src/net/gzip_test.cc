#include "net/gzip.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(GzipTest, RoundTripsAndBoundsTheOutput) {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "line " + std::to_string(i) + "\n";
  auto z = GzipBody(text);
  ASSERT_TRUE(z.ok());
  EXPECT_LT(z->size(), text.size() / 3);
  EXPECT_EQ(static_cast<unsigned char>((*z)[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>((*z)[1]), 0x8b);
  auto back = GunzipBody(*z, 1 << 20);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, text);

  auto bomb = GunzipBody(*z, 1000);
  EXPECT_EQ(bomb.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GunzipBody(z->substr(0, z->size() / 2), 1 << 20).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GunzipBody("not gzip at all", 1 << 20).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola
