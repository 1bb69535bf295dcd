// CronSchedule: the five-field cron expression of a scheduled capacity entry
// ("minute hour day-of-month month day-of-week"), evaluated in UTC.
//
// Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a
// comma list of those. Months and weekdays also take three-letter English
// names (jan..dec, sun..sat); weekday 7 is Sunday like 0. As in Vixie cron,
// when both day-of-month and day-of-week are restricted a day matches if
// either does. Pure values; thread-compatible.
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

class CronSchedule {
 public:
  // InvalidArgument naming the field: `minute: 61 is out of range 0-59`.
  static Result<CronSchedule> Parse(std::string_view text);

  // True when the minute containing `t` (UTC) is one the expression names.
  bool Matches(WallTime t) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace kelola
