#include "logs/syslog_framing.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

std::vector<std::string> Texts(const std::vector<SyslogFrame>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.push_back(f.text + (f.split ? "+" : ""));
  return out;
}

// Feeds `bytes` one byte at a time and all at once: the result must not
// depend on how TCP cut the stream.
std::vector<std::string> Decode(const std::string& bytes, size_t max = 1024, uint64_t* errors = nullptr) {
  SyslogStreamDecoder whole(max), bytewise(max);
  std::vector<SyslogFrame> a, b;
  whole.Feed(bytes, a);
  whole.Finish(a);
  for (char c : bytes) bytewise.Feed(std::string_view(&c, 1), b);
  bytewise.Finish(b);
  EXPECT_EQ(Texts(a), Texts(b)) << bytes;
  EXPECT_EQ(whole.framing_errors(), bytewise.framing_errors());
  if (errors != nullptr) *errors = whole.framing_errors();
  return Texts(a);
}

using V = std::vector<std::string>;

TEST(SyslogFramingTest, OctetCountingAndNewlineFramingMixed) {
  uint64_t errors = 0;
  EXPECT_EQ(Decode("11 <13>1 a\nb c5 <1>xy<13>Nov 1 line\r\n\n<14>next\n3 abc", 1024, &errors),
            (V{"<13>1 a\nb c", "<1>xy", "<13>Nov 1 line", "<14>next", "abc"}));
  EXPECT_EQ(errors, 0u);
}

TEST(SyslogFramingTest, BadCountsAreCountedAndTheBytesKeptAsText) {
  uint64_t errors = 0;
  EXPECT_EQ(Decode("12x bad header\n0 zero\n12345678901 too long\n<13>ok\n", 1024, &errors),
            (V{"12x bad header", "0 zero", "12345678901 too long", "<13>ok"}));
  EXPECT_EQ(errors, 3u);
  EXPECT_EQ(Decode("10 short", 1024, &errors), (V{"short"}));  // the connection closed early
  EXPECT_EQ(errors, 1u);
  EXPECT_EQ(Decode("123", 1024, &errors), (V{"123"}));
  EXPECT_EQ(errors, 1u);
}

TEST(SyslogFramingTest, LongMessagesArriveInFlaggedPieces) {
  EXPECT_EQ(Decode("10 0123456789<1>abcdefg\n", 4), (V{"0123+", "4567+", "89", "<1>a+", "bcde+", "fg"}));
  EXPECT_EQ(Decode("<1>a\n<1>abcde\n", 4), (V{"<1>a", "<1>a+", "bcde"}));  // exactly 4: not split
}

TEST(SyslogFramingTest, InvalidUtf8AndNulBytesPassThrough) {
  EXPECT_EQ(Decode(std::string("<13>\xff\0x\n", 8)), (V{std::string("<13>\xff\0x", 7)}));
}

}  // namespace
}  // namespace kelola
