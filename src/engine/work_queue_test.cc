#include "engine/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(WorkQueueTest, KeyAddedTwiceIsHandedOutOnce) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.TryGet(), "a");
  EXPECT_EQ(queue.TryGet(), "b");
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, KeyReaddedWhileProcessingWaitsForDone) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("a");
  ASSERT_EQ(queue.TryGet(), "a");
  queue.Add("a");
  queue.Add("a");
  EXPECT_EQ(queue.TryGet(), std::nullopt) << "a is still being processed";
  queue.Done("a");
  EXPECT_EQ(queue.TryGet(), "a");
  queue.Done("a");
  EXPECT_EQ(queue.TryGet(), std::nullopt) << "the two re-adds collapse into one";
}

TEST(WorkQueueTest, DoneWithoutReaddForgetsKey) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("a");
  ASSERT_EQ(queue.TryGet(), "a");
  queue.Done("a");
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  queue.Add("a");
  EXPECT_EQ(queue.TryGet(), "a");
}

TEST(WorkQueueTest, AddAfterBecomesReadyExactlyAtDeadline) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("a", seconds(10));
  EXPECT_EQ(queue.NumDelayed(), 1u);
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  clock.Advance(seconds(10) - nanoseconds(1));
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  clock.Advance(nanoseconds(1));
  EXPECT_EQ(queue.TryGet(), "a");
  EXPECT_EQ(queue.NumDelayed(), 0u);
}

TEST(WorkQueueTest, AddAfterKeepsEarlierDeadline) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("a", seconds(10));
  queue.AddAfter("a", seconds(3));
  queue.AddAfter("a", seconds(20));
  EXPECT_EQ(queue.NumDelayed(), 1u);
  EXPECT_EQ(queue.NextDeadline(), clock.Monotonic() + seconds(3));
  clock.Advance(seconds(3));
  EXPECT_EQ(queue.TryGet(), "a");
}

TEST(WorkQueueTest, DelayedKeysComeOutInDeadlineOrder) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("late", seconds(2));
  queue.AddAfter("early", seconds(1));
  queue.AddAfter("tie-first", seconds(3));
  queue.AddAfter("tie-second", seconds(3));
  clock.Advance(seconds(5));
  EXPECT_EQ(queue.TryGet(), "early");
  EXPECT_EQ(queue.TryGet(), "late");
  EXPECT_EQ(queue.TryGet(), "tie-first");
  EXPECT_EQ(queue.TryGet(), "tie-second");
}

TEST(WorkQueueTest, NonPositiveDelayIsAnAdd) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("a", Duration::zero());
  queue.AddAfter("b", -seconds(1));
  EXPECT_EQ(queue.TryGet(), "a");
  EXPECT_EQ(queue.TryGet(), "b");
}

TEST(WorkQueueTest, DelayedKeyBeingProcessedIsRequeuedAfterDone) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("a");
  ASSERT_EQ(queue.TryGet(), "a");
  queue.AddAfter("a", seconds(1));
  clock.Advance(seconds(1));
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  queue.Done("a");
  EXPECT_EQ(queue.TryGet(), "a");
}

// Asserts that `key` becomes ready exactly `delay` after now, no earlier.
void ExpectReadyAfter(FakeClock& clock, WorkQueue& queue, const std::string& key, Duration delay) {
  ASSERT_EQ(queue.NextDeadline(), clock.Monotonic() + delay);
  clock.Advance(delay - nanoseconds(1));
  ASSERT_EQ(queue.TryGet(), std::nullopt) << "ready before " << delay.count() << "ns";
  clock.Advance(nanoseconds(1));
  ASSERT_EQ(queue.TryGet(), key);
  queue.Done(key);
}

TEST(WorkQueueTest, RateLimitedRequeueDoublesThenCaps) {
  FakeClock clock;
  WorkQueue queue(clock, BackoffPolicy{milliseconds(5), milliseconds(40)});
  for (Duration expected :
       std::vector<Duration>{milliseconds(5), milliseconds(10), milliseconds(20), milliseconds(40), milliseconds(40)}) {
    queue.AddRateLimited("a");
    ExpectReadyAfter(clock, queue, "a", expected);
  }
  EXPECT_EQ(queue.NumRequeues("a"), 5);
}

TEST(WorkQueueTest, DefaultBackoffCapsAtThousandSeconds) {
  FakeClock clock;
  WorkQueue queue(clock);
  Duration expected = milliseconds(5);
  for (int i = 0; i < 20; ++i) {
    queue.AddRateLimited("a");
    ExpectReadyAfter(clock, queue, "a", expected);
    expected = std::min<Duration>(expected * 2, seconds(1000));
  }
  EXPECT_EQ(expected, seconds(1000));
}

TEST(WorkQueueTest, ForgetResetsBackoff) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddRateLimited("a");
  ExpectReadyAfter(clock, queue, "a", milliseconds(5));
  queue.AddRateLimited("a");
  ExpectReadyAfter(clock, queue, "a", milliseconds(10));
  queue.Forget("a");
  EXPECT_EQ(queue.NumRequeues("a"), 0);
  queue.AddRateLimited("a");
  ExpectReadyAfter(clock, queue, "a", milliseconds(5));
}

TEST(WorkQueueTest, GetBlocksUntilAdd) {
  FakeClock clock;
  WorkQueue queue(clock);
  std::optional<std::string> got;
  std::thread worker([&] { got = queue.Get(); });
  queue.Add("a");
  worker.join();
  EXPECT_EQ(got, "a");
}

TEST(WorkQueueTest, GetWaitsForFakeClockAdvance) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("a", seconds(30));
  std::optional<std::string> got;
  std::thread worker([&] { got = queue.Get(); });
  clock.Advance(seconds(30));
  worker.join();
  EXPECT_EQ(got, "a");
}

TEST(WorkQueueTest, ShutDownReleasesBlockedGetAndIgnoresAdds) {
  FakeClock clock;
  WorkQueue queue(clock);
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = queue.Get(); });
  queue.ShutDown();
  worker.join();
  EXPECT_EQ(got, std::nullopt);
  EXPECT_TRUE(queue.ShuttingDown());
  queue.Add("a");
  queue.AddAfter("b", seconds(1));
  queue.AddRateLimited("c");
  EXPECT_EQ(queue.Len(), 0u);
  EXPECT_EQ(queue.NumDelayed(), 0u);
  EXPECT_EQ(queue.Get(), std::nullopt);
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, ShutDownStopsHandingOutQueuedKeys) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("a");
  ASSERT_EQ(queue.TryGet(), "a");
  queue.Add("b");
  queue.ShutDown();
  queue.Done("a");  // still allowed for work in flight
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, WorkersNeverHoldTheSameKeyAtOnce) {
  FakeClock clock;
  WorkQueue queue(clock);
  constexpr int kKeys = 3;
  constexpr int kAddsPerKey = 2000;
  std::vector<std::atomic<int>> in_flight(kKeys);
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.Get()) {
        int index = std::stoi(*key);
        if (in_flight[index].fetch_add(1) != 0) overlaps.fetch_add(1);
        std::this_thread::yield();
        in_flight[index].fetch_sub(1);
        processed.fetch_add(1);
        queue.Done(*key);
      }
    });
  }
  for (int i = 0; i < kAddsPerKey; ++i) {
    for (int k = 0; k < kKeys; ++k) queue.Add(std::to_string(k));
  }
  // Drain: every key ends up processed after its last add.
  while (queue.Len() > 0) std::this_thread::yield();
  queue.ShutDown();
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(processed.load(), kKeys);
  EXPECT_LE(processed.load(), kKeys * kAddsPerKey);
}

}  // namespace
}  // namespace kelola
