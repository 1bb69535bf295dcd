#include "base/clock.h"

#include <ctime>

#include <fmt/format.h>

namespace kelola {

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

}  // namespace kelola
