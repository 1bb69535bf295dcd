#include "logs/multiline_joiner.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

LogRecord Line(std::string text, uint64_t offset, bool split = false) {
  LogRecord r;
  r.end_offset = offset + text.size() + (split ? 0 : 1);
  r.offset = offset;
  r.text = std::move(text);
  r.split = split;
  return r;
}

TEST(MultilineJoinerTest, JoinsJavaStackTraceUntilNextStartLine) {
  auto j = MultilineJoiner::Create(R"(^\d{4}-\d\d-\d\d )", 1 << 20);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  FakeClock clock;
  std::vector<LogRecord> out;
  (*j)->Add(Line("2026-11-27 ERROR boom", 0), clock.Monotonic(), out);
  (*j)->Add(Line("java.lang.IllegalStateException: x", 22), clock.Monotonic(), out);
  (*j)->Add(Line("\tat a.B.c(B.java:1)", 57), clock.Monotonic(), out);
  EXPECT_TRUE(out.empty());
  (*j)->Add(Line("2026-11-27 INFO next", 77), clock.Monotonic(), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "2026-11-27 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)");
  EXPECT_EQ(out[0].offset, 0u);
  EXPECT_EQ(out[0].end_offset, 77u);
}

TEST(MultilineJoinerTest, IdleFlushEmitsTheLastEventOnlyAfterTheTimeout) {
  auto j = MultilineJoiner::Create("^START", 1 << 20);
  ASSERT_TRUE(j.ok());
  FakeClock clock;
  std::vector<LogRecord> out;
  (*j)->Add(Line("START a", 0), clock.Monotonic(), out);
  (*j)->Add(Line(" more", 8), clock.Monotonic(), out);
  clock.Advance(std::chrono::milliseconds(999));
  (*j)->FlushIfIdle(clock.Monotonic(), std::chrono::seconds(1), out);
  EXPECT_TRUE(out.empty());
  clock.Advance(std::chrono::milliseconds(1));
  (*j)->FlushIfIdle(clock.Monotonic(), std::chrono::seconds(1), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "START a\n more");
  EXPECT_FALSE((*j)->holding());
}

TEST(MultilineJoinerTest, MaxEventBytesStartsANewEventInsteadOfGrowingForever) {
  auto j = MultilineJoiner::Create("^START", 10);
  ASSERT_TRUE(j.ok());
  FakeClock clock;
  std::vector<LogRecord> out;
  (*j)->Add(Line("START", 0), clock.Monotonic(), out);
  (*j)->Add(Line("1234", 6), clock.Monotonic(), out);
  (*j)->Add(Line("5678", 11), clock.Monotonic(), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "START\n1234");
  (*j)->Flush(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].text, "5678");
}

TEST(MultilineJoinerTest, PiecesOfASplitLineJoinWithoutSeparatorEvenIfTheyLookLikeStarts) {
  auto j = MultilineJoiner::Create("^START", 1 << 20);
  ASSERT_TRUE(j.ok());
  FakeClock clock;
  std::vector<LogRecord> out;
  (*j)->Add(Line("START abc", 0, true), clock.Monotonic(), out);
  (*j)->Add(Line("START def", 9, false), clock.Monotonic(), out);
  (*j)->Flush(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "START abcSTART def");
  EXPECT_FALSE(out[0].split);
}

TEST(MultilineJoinerTest, BadPatternIsInvalidArgumentNamingIt) {
  auto j = MultilineJoiner::Create("(unclosed", 100);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(j.status().message().find("(unclosed"), std::string::npos);
}

}  // namespace
}  // namespace kelola
