#include "base/clock.h"

#include <ctime>

#include <fmt/format.h>

namespace kelola {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

FakeClock::FakeClock(WallTime start) : wall_(start), mono_(MonoTime(std::chrono::hours(1))) {}

WallTime FakeClock::Now() const {
  std::lock_guard<std::mutex> l(mu_);
  return wall_;
}

MonoTime FakeClock::Monotonic() const {
  std::lock_guard<std::mutex> l(mu_);
  return mono_;
}

void FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, MonoTime deadline) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (mono_ >= deadline) return;
    waiters_.insert(&cv);
  }
  // A short real-time bound guards against a wakeup lost between the check
  // above and the wait; callers re-check their condition either way.
  cv.wait_for(lock, std::chrono::milliseconds(5));
  std::lock_guard<std::mutex> l(mu_);
  waiters_.erase(&cv);
}

void FakeClock::Advance(Duration d) {
  std::set<std::condition_variable*> waiters;
  {
    std::lock_guard<std::mutex> l(mu_);
    wall_ += std::chrono::duration_cast<WallTime::duration>(d);
    mono_ += std::chrono::duration_cast<MonoTime::duration>(d);
    waiters = waiters_;
  }
  for (auto* cv : waiters) cv->notify_all();
}

std::string FormatRfc3339(WallTime t) {
  auto ms = UnixMillis(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (ms < 0 && ms % 1000 != 0) --secs;
  int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

int64_t UnixMillis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Result<WallTime> ParseRfc3339(std::string_view t) {
  int year, month, day, hour, minute, second;
  auto bad = [&t]() {
    return InvalidArgumentError("expected an RFC 3339 time like 2026-11-27T10:00:00Z, got \"" +
                                std::string(t.substr(0, 64)) + "\"");
  };
  if (t.size() < 20 || !Digits(t, 0, 4, year) || t[4] != '-' || !Digits(t, 5, 2, month) || t[7] != '-' ||
      !Digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !Digits(t, 11, 2, hour) ||
      t[13] != ':' || !Digits(t, 14, 2, minute) || t[16] != ':' || !Digits(t, 17, 2, second)) {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return bad();
  // Nanoseconds since 1970 in 64 bits reach the year 2262.
  if (year < 1970 || year > 2200) {
    return InvalidArgumentError("time \"" + std::string(t.substr(0, 64)) + "\": the year must be 1970 to 2200");
  }
  size_t i = 19;
  int64_t nanos = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    int digits = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (t[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return bad();
    for (int d = digits; d < 9; ++d) nanos *= 10;
  }
  int64_t offset_minutes = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh, om;
    if (!Digits(t, i + 1, 2, oh) || i + 3 >= t.size() || t[i + 3] != ':' || !Digits(t, i + 4, 2, om) || oh > 23 ||
        om > 59) {
      return bad();
    }
    offset_minutes = (t[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return bad();
  }
  if (i != t.size()) return bad();
  int64_t seconds = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                    hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return WallTime(
      std::chrono::duration_cast<WallTime::duration>(std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos)));
}

}  // namespace kelola
