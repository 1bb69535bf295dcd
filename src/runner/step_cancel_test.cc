#include "runner/step_cancel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kelola {
namespace {

TEST(StepCancelTest, RunsTheKillActionOnce) {
  StepCancel cancel;
  int kills = 0;
  cancel.OnCancel([&] { ++kills; });
  EXPECT_FALSE(cancel.cancelled());
  cancel.Cancel();
  cancel.Cancel();
  EXPECT_TRUE(cancel.cancelled());
  EXPECT_EQ(kills, 1);
}

TEST(StepCancelTest, AnActionRegisteredAfterCancelRunsAtOnce) {
  StepCancel cancel;
  cancel.Cancel();
  int kills = 0;
  cancel.OnCancel([&] { ++kills; });
  EXPECT_EQ(kills, 1);
}

TEST(StepCancelTest, ClearedActionDoesNotRun) {
  StepCancel cancel;
  int kills = 0;
  cancel.OnCancel([&] { ++kills; });
  cancel.Clear();
  cancel.Cancel();
  EXPECT_EQ(kills, 0);
  EXPECT_TRUE(cancel.cancelled());
}

TEST(StepCancelTest, ClearWaitsForAKillInProgress) {
  StepCancel cancel;
  std::atomic<bool> in_kill{false};
  std::atomic<bool> kill_done{false};
  cancel.OnCancel([&] {
    in_kill = true;
    // Long enough that Clear() is called while we are inside.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    kill_done = true;
  });
  std::thread t([&] { cancel.Cancel(); });
  while (!in_kill) std::this_thread::yield();
  cancel.Clear();
  EXPECT_TRUE(kill_done.load());  // Clear() returned only after the action finished
  t.join();
}

}  // namespace
}  // namespace kelola
