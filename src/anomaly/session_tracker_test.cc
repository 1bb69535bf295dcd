#include "anomaly/session_tracker.h"

#include <gtest/gtest.h>

namespace kelola::anomaly {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(SessionTrackerTest, GroupsLinesByIdAndEndsIdleSessions) {
  FakeClock clock;
  auto tracker = SessionTracker::Create({"(blk_-?[0-9]+)", minutes(5), 100, 100});
  ASSERT_TRUE(tracker.ok());
  EXPECT_TRUE(tracker->Add("5", "Receiving block blk_-160 src: /10.0.0.1", clock.Now()));
  EXPECT_TRUE(tracker->Add("5", "Receiving block blk_42 src: /10.0.0.2", clock.Now()));
  EXPECT_FALSE(tracker->Add("7", "no id on this line", clock.Now()));
  clock.Advance(minutes(3));
  EXPECT_TRUE(tracker->Add("9", "PacketResponder for block blk_-160 terminating", clock.Now()));
  EXPECT_EQ(tracker->open_sessions(), 2u);
  clock.Advance(minutes(2));
  auto closed = tracker->TakeClosed(clock.Now());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].id, "blk_42");
  EXPECT_EQ(closed[0].keys, (SessionKeys{"5"}));
  clock.Advance(minutes(3));
  closed = tracker->TakeClosed(clock.Now());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].id, "blk_-160");
  EXPECT_EQ(closed[0].keys, (SessionKeys{"5", "9"}));
  EXPECT_EQ(tracker->open_sessions(), 0u);
}

TEST(SessionTrackerTest, BoundsOpenSessionsAndKeys) {
  FakeClock clock;
  auto tracker = SessionTracker::Create({"req=(\\w+)", minutes(5), 2, 3});
  ASSERT_TRUE(tracker.ok());
  for (int i = 0; i < 5; ++i) tracker->Add("k", "req=a", clock.Now());
  clock.Advance(seconds(1));
  tracker->Add("k", "req=b", clock.Now());
  tracker->Add("k", "req=c", clock.Now());  // closes a, the least recently active
  auto closed = tracker->TakeClosed(clock.Now());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].id, "a");
  EXPECT_EQ(closed[0].keys.size(), 3u);
  EXPECT_EQ(closed[0].dropped_keys, 2u);
}

TEST(SessionTrackerTest, RejectsBadPatterns) {
  auto bad = SessionTracker::Create({"(unclosed"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not a valid RE2"), std::string::npos);
  auto no_group = SessionTracker::Create({"blk_[0-9]+"});
  ASSERT_FALSE(no_group.ok());
  EXPECT_NE(no_group.status().message().find("capture group"), std::string::npos);
}

TEST(SessionTrackerTest, AnomalousSessionsBecomeDetections) {
  FakeClock clock;
  std::vector<SessionKeys> normal;
  for (int i = 0; i < 50; ++i) normal.push_back({"open", "read", "done", "close"});
  const SessionModel model = SessionModel::Train(normal);
  auto tracker = SessionTracker::Create({"id=(\\d+)", minutes(1)});
  ASSERT_TRUE(tracker.ok());
  for (const char* k : {"open", "read", "done", "close"}) tracker->Add(k, "id=1", clock.Now());
  for (const char* k : {"open", "read", "read", "close"}) tracker->Add(k, "id=2", clock.Now());
  clock.Advance(minutes(1));
  const auto d = ScoreSessions("hdfs-blocks", model, tracker->TakeClosed(clock.Now()), {{"service", "hdfs"}}, clock);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].labels, (Labels{{"service", "hdfs"}, {"session", "2"}}));
  EXPECT_TRUE(d[0].active);
  EXPECT_EQ(d[0].rule, "hdfs-blocks");
  EXPECT_NE(d[0].summary.find("invariant"), std::string::npos) << d[0].summary;
}

}  // namespace
}  // namespace kelola::anomaly
