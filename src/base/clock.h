// Clock: the only source of time for logic that must be testable.
//
// RealClock reads the system; FakeClock only moves when a test advances it.
// Both are thread-safe. Pure logic takes a `Clock&` (or a time value) and
// never calls std::chrono::*::now() itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps shown to people and stored.
  virtual WallTime Now() const = 0;
  // Monotonic time, for deadlines, timeouts and backoff.
  virtual MonoTime Monotonic() const = 0;
  // Blocks until Monotonic() >= deadline or Wake() is called. Spurious
  // returns are allowed; callers re-check their condition.
  virtual void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, MonoTime deadline) = 0;
};

class RealClock final : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  MonoTime Monotonic() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, MonoTime deadline) override {
    cv.wait_until(lock, deadline);
  }
};

// The process-wide real clock.
Clock& SystemClock();

// Time stands still until Advance(). WaitUntil never sleeps on real time: it
// waits on the caller's condition variable, which Advance() notifies through
// the waiters it knows of.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime start = WallTime(std::chrono::seconds(1'700'000'000)));
  WallTime Now() const override;
  MonoTime Monotonic() const override;
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, MonoTime deadline) override;
  void Advance(Duration d);

 private:
  mutable std::mutex mu_;
  WallTime wall_;
  MonoTime mono_;
  std::set<std::condition_variable*> waiters_;
};

// RFC 3339 with milliseconds in UTC: "2026-11-27T11:08:24.123Z".
std::string FormatRfc3339(WallTime t);
// RFC 3339 ("2026-11-27T10:00:00Z", fractions and offsets allowed); years
// 1970 to 2200 (nanoseconds since 1970 in 64 bits reach 2262).
Result<WallTime> ParseRfc3339(std::string_view text);
// Milliseconds since the Unix epoch.
int64_t UnixMillis(WallTime t);

}  // namespace kelola
