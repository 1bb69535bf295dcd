#include "base/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace kelola {
namespace {

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  FakeClock clock;
  auto wall = clock.Now();
  auto mono = clock.Monotonic();
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(clock.Now() - wall, std::chrono::seconds(5));
  EXPECT_EQ(clock.Monotonic() - mono, std::chrono::seconds(5));
}

TEST(FakeClockTest, WaitUntilReturnsOncePastDeadline) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  auto deadline = clock.Monotonic() + std::chrono::seconds(10);
  bool done = false;
  std::thread waiter([&] {
    std::unique_lock<std::mutex> l(mu);
    while (clock.Monotonic() < deadline) clock.WaitUntil(l, cv, deadline);
    done = true;
  });
  clock.Advance(std::chrono::seconds(10));
  waiter.join();
  EXPECT_TRUE(done);
}

TEST(ClockTest, FormatsRfc3339) {
  WallTime t{std::chrono::milliseconds(1'764'241'704'123)};
  EXPECT_EQ(FormatRfc3339(t), "2025-11-27T11:08:24.123Z");
  EXPECT_EQ(UnixMillis(t), 1'764'241'704'123);
}

}  // namespace
}  // namespace kelola
