#include "scale/cron_schedule.h"

#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <vector>

namespace kelola {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // nullptr or names for min..min+count-1
  int name_base;             // value of names[0]
  int name_count;
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr, 0, 0},
    {"hour", 0, 23, nullptr, 0, 0},
    {"day-of-month", 1, 31, nullptr, 0, 0},
    {"month", 1, 12, kMonthNames, 1, 12},
    {"day-of-week", 0, 7, kDayNames, 0, 7},
}};

Result<int> ParseValue(std::string_view s, const FieldSpec& f) {
  if (s.empty()) return InvalidArgumentError(std::string(f.name) + ": empty value");
  if (std::isalpha(static_cast<unsigned char>(s[0]))) {
    if (f.names != nullptr && s.size() == 3) {
      std::string lower;
      for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (int i = 0; i < f.name_count; ++i) {
        if (lower == f.names[i]) return f.name_base + i;
      }
    }
    return InvalidArgumentError(std::string(f.name) + ": \"" + std::string(s) + "\" is not a number" +
                                (f.names ? " or a three-letter name" : ""));
  }
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    return InvalidArgumentError(std::string(f.name) + ": \"" + std::string(s) + "\" is not a number");
  }
  if (v < f.min || v > f.max) {
    return InvalidArgumentError(std::string(f.name) + ": " + std::to_string(v) + " is out of range " +
                                std::to_string(f.min) + "-" + std::to_string(f.max));
  }
  return v;
}

// Parses one field into the set of values it names; `restricted` is false
// only for a bare `*` (which matters for the day-of-month/day-of-week rule).
Result<std::vector<bool>> ParseField(std::string_view text, const FieldSpec& f, bool& restricted) {
  std::vector<bool> set(f.max + 1, false);
  restricted = text != "*";
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (item.empty())
      return InvalidArgumentError(std::string(f.name) + ": empty list item in \"" + std::string(text) + "\"");
    int step = 1;
    const bool has_step = item.find('/') != std::string_view::npos;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      std::string_view step_text = item.substr(slash + 1);
      auto [p, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (step_text.empty() || ec != std::errc() || p != step_text.data() + step_text.size() || step < 1 ||
          step > f.max + 1) {
        return InvalidArgumentError(std::string(f.name) + ": step \"" + std::string(step_text) +
                                    "\" must be a number from 1 to " + std::to_string(f.max + 1));
      }
      item = item.substr(0, slash);
    }
    int lo = f.min, hi = f.max;
    if (item == "*") {
      if (f.min == 0 && f.max == 7) hi = 6;  // `*` weekdays: 0-6, 7 is an alias
    } else if (size_t dash = item.find('-'); dash != std::string_view::npos) {
      KELOLA_ASSIGN_OR_RETURN(lo, ParseValue(item.substr(0, dash), f));
      KELOLA_ASSIGN_OR_RETURN(hi, ParseValue(item.substr(dash + 1), f));
      if (hi < lo) {
        return InvalidArgumentError(std::string(f.name) + ": range " + std::string(item) + " runs backwards");
      }
    } else {
      KELOLA_ASSIGN_OR_RETURN(lo, ParseValue(item, f));
      // `5/15` means 5, 20, 35, 50 as in Vixie cron.
      hi = has_step ? f.max : lo;
    }
    for (int v = lo; v <= hi; v += step) set[v] = true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return set;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) parts.push_back(text.substr(i, j - i));
    i = j;
  }
  if (parts.size() != 5) {
    return InvalidArgumentError("cron \"" + std::string(text) +
                                "\": expected 5 fields (minute hour day-of-month month day-of-week), got " +
                                std::to_string(parts.size()));
  }
  CronSchedule c;
  c.text_ = std::string(text);
  bool restricted = false;
  std::vector<bool> sets[5];
  for (size_t k = 0; k < 5; ++k) {
    auto r = ParseField(parts[k], kFields[k], restricted);
    if (!r.ok()) return InvalidArgumentError("cron \"" + std::string(text) + "\": " + r.status().message());
    sets[k] = std::move(*r);
    if (k == 2) c.days_restricted_ = restricted;
    if (k == 4) c.weekdays_restricted_ = restricted;
  }
  for (int v = 0; v < 60; ++v) c.minutes_[v] = sets[0][v];
  for (int v = 0; v < 24; ++v) c.hours_[v] = sets[1][v];
  for (int v = 1; v <= 31; ++v) c.days_[v] = sets[2][v];
  for (int v = 1; v <= 12; ++v) c.months_[v] = sets[3][v];
  for (int v = 0; v <= 7; ++v) {
    if (sets[4][v]) c.weekdays_[v % 7] = true;
  }
  return c;
}

bool CronSchedule::Matches(WallTime t) const {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const auto in_day = floor<minutes>(t - day);
  const int minute = static_cast<int>(in_day.count() % 60);
  const int hour = static_cast<int>(in_day.count() / 60);
  const year_month_day ymd{sys_days(day)};
  const weekday wd{sys_days(day)};
  if (!minutes_[minute] || !hours_[hour] || !months_[static_cast<unsigned>(ymd.month())]) return false;
  const bool dom = days_[static_cast<unsigned>(ymd.day())];
  const bool dow = weekdays_[wd.c_encoding()];
  if (days_restricted_ && weekdays_restricted_) return dom || dow;
  return dom && dow;
}

}  // namespace kelola
