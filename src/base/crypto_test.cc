#include "base/crypto.h"

#include <gtest/gtest.h>

#include <vector>

namespace kelola {
namespace {

TEST(CryptoTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
}

TEST(CryptoTest, Base64RoundTripsAndRejectsGarbage) {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    auto decoded = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(decoded.ok()) << s;
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64Decode("abc").ok());
  EXPECT_FALSE(Base64Decode("ab!=").ok());
}

TEST(CryptoTest, RandomTokensDiffer) {
  auto a = RandomToken(32);
  auto b = RandomToken(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 43u);
  EXPECT_NE(*a, *b);
}

TEST(SecretBoxTest, SealsAndOpens) {
  auto box = SecretBox::Create(std::string(32, 'k'));
  ASSERT_TRUE(box.ok());
  auto sealed = box->Seal("hunter2", "Secret/db");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("hunter2"), std::string::npos);
  auto opened = box->Open(*sealed, "Secret/db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "hunter2");
}

TEST(SecretBoxTest, RejectsWrongKeyTamperingAndWrongContext) {
  auto box = SecretBox::Create(std::string(32, 'k'));
  auto other = SecretBox::Create(std::string(32, 'x'));
  ASSERT_TRUE(box.ok() && other.ok());
  auto sealed = box->Seal("hunter2", "Secret/db");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(other->Open(*sealed, "Secret/db").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(box->Open(*sealed, "Secret/other").status().code(), StatusCode::kDataLoss);
  std::string tampered = *sealed;
  tampered[14] ^= 1;
  EXPECT_EQ(box->Open(tampered, "Secret/db").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(box->Open("short", "Secret/db").status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(SecretBox::Create("short").ok());
}

}  // namespace
}  // namespace kelola
