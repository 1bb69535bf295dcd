#include "scale/cron_schedule.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

// 2023-11-13T00:00:00Z is a Monday.
WallTime At(int day_offset, int hour, int minute) {
  return WallTime(std::chrono::seconds(1'699'833'600)) + std::chrono::hours(24 * day_offset + hour) +
         std::chrono::minutes(minute);
}

bool M(const char* expr, WallTime t) {
  auto c = CronSchedule::Parse(expr);
  EXPECT_TRUE(c.ok()) << expr << ": " << c.status().ToString();
  return c.ok() && c->Matches(t);
}

TEST(CronScheduleTest, Fields) {
  EXPECT_TRUE(M("* * * * *", At(0, 0, 0)));
  EXPECT_TRUE(M("30 9 * * *", At(0, 9, 30)));
  EXPECT_FALSE(M("30 9 * * *", At(0, 9, 31)));
  EXPECT_TRUE(M("*/15 * * * *", At(0, 5, 45)));
  EXPECT_FALSE(M("*/15 * * * *", At(0, 5, 46)));
  EXPECT_TRUE(M("5/20 * * * *", At(0, 5, 45)));  // 5, 25, 45
  EXPECT_TRUE(M("0-10/5,58 * * * *", At(0, 1, 58)));
  EXPECT_TRUE(M("0-10/5,58 * * * *", At(0, 1, 10)));
  EXPECT_FALSE(M("0-10/5,58 * * * *", At(0, 1, 11)));
  EXPECT_TRUE(M("* 8-17 * * mon-fri", At(4, 17, 59)));  // Friday 17:59
  EXPECT_FALSE(M("* 8-17 * * mon-fri", At(5, 12, 0)));  // Saturday
  EXPECT_TRUE(M("* * * * 0", At(6, 12, 0)));            // Sunday as 0
  EXPECT_TRUE(M("* * * * 7", At(6, 12, 0)));            // and as 7
  EXPECT_TRUE(M("0 0 13 nov *", At(0, 0, 0)));
  EXPECT_FALSE(M("0 0 13 dec *", At(0, 0, 0)));
  EXPECT_TRUE(M("0 0 1 1 *", WallTime(std::chrono::seconds(1'704'067'200))));  // 2024-01-01
}

// Vixie cron: with both day fields restricted, either matching is enough.
TEST(CronScheduleTest, DayOfMonthOrDayOfWeek) {
  EXPECT_TRUE(M("0 0 1 * mon", At(0, 0, 0)));   // Monday the 13th: the weekday matches
  EXPECT_TRUE(M("0 0 13 * sun", At(0, 0, 0)));  // the 13th matches
  EXPECT_FALSE(M("0 0 1 * sun", At(0, 0, 0)));
  EXPECT_FALSE(M("0 0 1 * *", At(0, 0, 0)));  // only the day of month restricted
}

TEST(CronScheduleTest, ErrorsNameTheField) {
  struct Case {
    const char* expr;
    const char* message;
  };
  const Case cases[] = {
      {"* * * *", "expected 5 fields"},
      {"60 * * * *", "minute: 60 is out of range 0-59"},
      {"* 24 * * *", "hour: 24 is out of range 0-23"},
      {"* * 0 * *", "day-of-month: 0 is out of range 1-31"},
      {"* * * 13 *", "month: 13 is out of range 1-12"},
      {"* * * * 8", "day-of-week: 8 is out of range 0-7"},
      {"5-1 * * * *", "minute: range 5-1 runs backwards"},
      {"*/0 * * * *", "minute: step \"0\""},
      {"1,,2 * * * *", "minute: empty list item"},
      {"* * * foo *", "month: \"foo\" is not a number or a three-letter name"},
      {"x * * * *", "minute: \"x\" is not a number"},
  };
  for (const auto& c : cases) {
    auto r = CronSchedule::Parse(c.expr);
    ASSERT_FALSE(r.ok()) << c.expr;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << c.expr << ": " << r.status().message();
  }
}

}  // namespace
}  // namespace kelola
