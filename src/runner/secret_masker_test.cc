#include "runner/secret_masker.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

std::string Stream(const SecretMasker& masker, const std::vector<std::string>& chunks) {
  std::string out;
  MaskingStream stream(masker, [&](std::string_view s) { out.append(s); });
  for (const auto& c : chunks) stream.Write(c);
  stream.Flush();
  return out;
}

TEST(SecretMaskerTest, MasksEveryOccurrence) {
  SecretMasker masker({"hunter2", "s3cr3t-token"});
  EXPECT_EQ(masker.Mask("pw=hunter2 and hunter2, tok s3cr3t-token."), "pw=******** and ********, tok ********.");
  EXPECT_EQ(masker.Mask("nothing here"), "nothing here");
  EXPECT_EQ(masker.Mask(""), "");
}

TEST(SecretMaskerTest, LongestSecretWinsAtTheSamePlace) {
  SecretMasker masker({"abc", "abcdef"});
  EXPECT_EQ(masker.Mask("xabcdefx abcx"), "x********x ********x");
}

TEST(SecretMaskerTest, EmptySecretsAreIgnored) {
  SecretMasker masker({"", ""});
  EXPECT_TRUE(masker.empty());
  EXPECT_EQ(masker.Mask("text"), "text");
}

TEST(SecretMaskerTest, SecretSplitAcrossChunksIsStillMasked) {
  SecretMasker masker({"hunter2"});
  EXPECT_EQ(Stream(masker, {"pw=hun", "ter2!"}), "pw=********!");
  EXPECT_EQ(Stream(masker, {"h", "u", "n", "t", "e", "r", "2"}), "********");
  // A prefix that never completes is released, unmasked, at the end.
  EXPECT_EQ(Stream(masker, {"pw=hunt"}), "pw=hunt");
  EXPECT_EQ(Stream(masker, {"hunhunter", "2"}), "hun********");
}

TEST(SecretMaskerTest, EverySplitPointOfEveryInputIsMasked) {
  SecretMasker masker({"tok-123", "pass"});
  const std::string input = "a tok-123 b passpass tok-12 tok-123tok-123 pas";
  const std::string want = masker.Mask(input);
  EXPECT_EQ(want, "a ******** b **************** tok-12 **************** pas");
  for (size_t i = 0; i <= input.size(); ++i) {
    for (size_t j = i; j <= input.size(); ++j) {
      EXPECT_EQ(Stream(masker, {input.substr(0, i), input.substr(i, j - i), input.substr(j)}), want)
          << "split at " << i << "," << j;
    }
  }
}

TEST(SecretMaskerTest, HoldsBackOnlyWhatCouldStartASecret) {
  SecretMasker masker({"secret"});
  std::string out;
  MaskingStream stream(masker, [&](std::string_view s) { out.append(s); });
  stream.Write("line one\nse");
  EXPECT_EQ(out, "line one\n");  // "se" waits
  stream.Write("x");
  EXPECT_EQ(out, "line one\nsex");
}

TEST(SecretMaskerTest, MultiLineSecretIsMaskedLineByLine) {
  const std::string key = "-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDD\n-----END KEY-----";
  SecretMasker masker({key});
  EXPECT_EQ(masker.Mask(key), "********");
  EXPECT_EQ(masker.Mask("AAAABBBBCCCC"), "********");
  EXPECT_EQ(masker.Mask("x DDDD y"), "x ******** y");
}

}  // namespace
}  // namespace kelola
