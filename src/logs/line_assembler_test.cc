#include "logs/line_assembler.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(LineAssemblerTest, SplitsLinesAcrossChunksWithExactOffsets) {
  LineAssembler a(100, 10);
  std::vector<LogRecord> out;
  a.Feed("one\ntw", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "one");
  EXPECT_EQ(out[0].offset, 10u);
  EXPECT_EQ(out[0].end_offset, 14u);
  a.Feed("o\r\nthree\n", out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].text, "two");
  EXPECT_EQ(out[1].offset, 14u);
  EXPECT_EQ(out[1].end_offset, 19u);
  EXPECT_EQ(out[2].text, "three");
  EXPECT_EQ(out[2].end_offset, 25u);
  EXPECT_EQ(a.next_offset(), 25u);
  EXPECT_EQ(a.pending_bytes(), 0u);
}

TEST(LineAssemblerTest, OverlongLineIsCutIntoFlaggedPiecesAndNothingIsLost) {
  LineAssembler a(4, 0);
  std::vector<LogRecord> out;
  a.Feed("abcdefghij\nxy\n", out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].text, "abcd");
  EXPECT_TRUE(out[0].split);
  EXPECT_EQ(out[1].text, "efgh");
  EXPECT_TRUE(out[1].split);
  EXPECT_EQ(out[2].text, "ij");
  EXPECT_FALSE(out[2].split);
  EXPECT_EQ(out[2].end_offset, 11u);
  EXPECT_EQ(out[3].text, "xy");
  EXPECT_EQ(out[3].offset, 11u);
}

TEST(LineAssemblerTest, LineOfExactlyTheLimitIsNotSplitEvenWhenTheNewlineComesLater) {
  LineAssembler a(4, 0);
  std::vector<LogRecord> out;
  a.Feed("abcd", out);
  EXPECT_TRUE(out.empty());
  a.Feed("\n", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "abcd");
  EXPECT_FALSE(out[0].split);
  EXPECT_EQ(out[0].end_offset, 5u);
}

TEST(LineAssemblerTest, TenMegabyteLineStaysBounded) {
  LineAssembler a(64 * 1024, 0);
  std::vector<LogRecord> out;
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 10; ++i) a.Feed(chunk, out);
  a.Feed("\n", out);
  EXPECT_LE(a.pending_bytes(), 64u * 1024);
  size_t total = 0;
  for (const auto& r : out) total += r.text.size();
  EXPECT_EQ(total, 10u << 20);
  EXPECT_FALSE(out.back().split);
  EXPECT_EQ(out.back().end_offset, (10u << 20) + 1);
}

TEST(LineAssemblerTest, FlushPartialEmitsTheUnterminatedLastLine) {
  LineAssembler a(100, 0);
  std::vector<LogRecord> out;
  a.Feed("done\nhalf", out);
  a.FlushPartial(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].text, "half");
  EXPECT_EQ(out[1].end_offset, 9u);
  a.Reset(0);
  EXPECT_EQ(a.next_offset(), 0u);
}

}  // namespace
}  // namespace kelola
