// Table tests of the detectors with the fake clock: no threads, no sleeps.
#include <gtest/gtest.h>

#include <cmath>

#include "anomaly/bucket_counter.h"
#include "anomaly/new_term_detector.h"
#include "anomaly/silence_detector.h"
#include "anomaly/spike_detector.h"
#include "anomaly/threshold_detector.h"
#include "base/clock.h"

namespace kelola::anomaly {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const Labels kApi = {{"service", "api"}};

// Feeds `per_minute[i]` events in minute i (spread over the minute), then
// returns the detection for kApi evaluated at the end of every minute.
template <typename Detector>
std::vector<Detection> Replay(Detector& detector, FakeClock& clock, BucketCounter& counter,
                              const std::vector<uint64_t>& per_minute) {
  std::vector<Detection> seen;
  for (uint64_t n : per_minute) {
    for (uint64_t i = 0; i < n; ++i) counter.Add(kApi, clock.Now() + seconds(i * 60 / (n + 1)));
    counter.Add(kApi, clock.Now(), 0);
    clock.Advance(seconds(59));
    for (const Detection& d : detector.Evaluate(counter, clock)) {
      if (d.labels == kApi) seen.push_back(d);
    }
    clock.Advance(seconds(1));
  }
  return seen;
}

std::vector<uint64_t> Repeat(uint64_t n, size_t times) { return std::vector<uint64_t>(times, n); }
std::vector<uint64_t> Concat(std::vector<uint64_t> a, const std::vector<uint64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(BucketCounterTest, WindowsEndAtTheBucketInProgressAndForgetOldBuckets) {
  FakeClock clock(WallTime(minutes(1000)));
  BucketCounter counter({minutes(1), 3, 10});
  counter.Add(kApi, clock.Now(), 5);
  clock.Advance(minutes(1));
  counter.Add(kApi, clock.Now(), 2);
  auto w = counter.Windows(clock.Now());
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].counts, (std::vector<uint64_t>{0, 5, 2}));
  clock.Advance(minutes(2));
  w = counter.Windows(clock.Now());
  EXPECT_EQ(w[0].counts, (std::vector<uint64_t>{2, 0, 0}));
  counter.Add(kApi, clock.Now() - minutes(10), 7);  // older than the history: ignored
  counter.Add(kApi, clock.Now(), 1);
  EXPECT_EQ(counter.Windows(clock.Now())[0].counts, (std::vector<uint64_t>{2, 0, 1}));
}

TEST(BucketCounterTest, EvictsTheSeriesSeenLeastRecently) {
  FakeClock clock;
  BucketCounter counter({minutes(1), 4, 2});
  counter.Add({{"service", "a"}}, clock.Now());
  clock.Advance(seconds(1));
  counter.Add({{"service", "b"}}, clock.Now());
  clock.Advance(seconds(1));
  counter.Add({{"service", "a"}}, clock.Now());
  counter.Add({{"service", "c"}}, clock.Now());
  auto w = counter.Windows(clock.Now());
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].labels.at("service"), "a");
  EXPECT_EQ(w[1].labels.at("service"), "c");
  EXPECT_EQ(counter.evicted(), 1u);
}

struct SpikeCase {
  const char* name;
  std::vector<uint64_t> per_minute;
  bool fires;
};

TEST(SpikeDetectorTest, Table) {
  std::vector<uint64_t> slow_rise;
  for (uint64_t i = 0; i < 40; ++i) slow_rise.push_back(20 + i);
  std::vector<uint64_t> noisy = {18, 25, 21, 30, 17, 22, 27, 19, 24, 26, 20, 23, 29, 18, 22, 25};
  const SpikeCase cases[] = {
      {"true spike", Concat(Repeat(20, 15), {200}), true},
      {"spike over a quiet service", Concat(Repeat(0, 15), {40}), true},
      {"slow rise", slow_rise, false},
      {"noisy but steady", Concat(noisy, noisy), false},
      {"one error at 3 a.m.", Concat(Repeat(0, 30), {1}), false},
      {"a few errors at low traffic", Concat(Repeat(1, 30), {6}), false},
      {"too little history to judge", Concat(Repeat(0, 3), {500}), false},
  };
  for (const SpikeCase& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock(WallTime(minutes(28'000'000)));
    BucketCounter counter({minutes(1), 30, 100});
    SpikeDetector detector("errors", SpikeParams{});
    const auto seen = Replay(detector, clock, counter, c.per_minute);
    ASSERT_EQ(seen.size(), c.per_minute.size());
    bool any_before_last = false;
    for (size_t i = 0; i + 1 < seen.size(); ++i) any_before_last |= seen[i].active;
    EXPECT_EQ(seen.back().active, c.fires) << seen.back().summary;
    EXPECT_FALSE(any_before_last && !c.fires);
    EXPECT_EQ(seen.back().rule, "errors");
  }
}

TEST(SpikeDetectorTest, ResolvesOnceAFullBucketIsBackToNormal) {
  FakeClock clock(WallTime(minutes(28'000'000)));
  BucketCounter counter({minutes(1), 30, 100});
  SpikeDetector detector("errors", SpikeParams{});
  const auto seen = Replay(detector, clock, counter, Concat(Repeat(20, 15), {200, 21, 20}));
  ASSERT_EQ(seen.size(), 18u);
  EXPECT_TRUE(seen[15].active);
  EXPECT_TRUE(seen[16].active);  // the spike bucket is the last complete one
  EXPECT_FALSE(seen[17].active);
  EXPECT_EQ(seen[15].value, 200);
}

TEST(SpikeDetectorTest, PureFunctionFigures) {
  const std::vector<uint64_t> w = {10, 10, 10, 10, 10, 10, 50, 3};
  const SpikeVerdict v = DetectSpike(w, SpikeParams{});
  EXPECT_TRUE(v.spike);
  EXPECT_DOUBLE_EQ(v.current, 50);
  EXPECT_DOUBLE_EQ(v.baseline, 10);
  EXPECT_NEAR(v.spread, std::sqrt(10.0), 1e-9);  // flat history: Poisson floor
  EXPECT_DOUBLE_EQ(v.threshold, 10 + 4 * std::sqrt(10.0));
}

TEST(NewTermDetectorTest, ANewErrorTemplateFiresOnceAndResolves) {
  FakeClock clock(WallTime(minutes(28'000'000)));
  BucketCounter counter({minutes(1), 10, 100});
  NewTermDetector detector("new-error-template", {minutes(5), minutes(10), 1000}, clock.Now());
  const Labels known = {{"service", "api"}, {"template", "T1"}};
  const Labels fresh = {{"service", "api"}, {"template", "T9"}};
  counter.Add(known, clock.Now());
  EXPECT_TRUE(detector.Evaluate(counter, clock).empty());  // learning: the baseline
  clock.Advance(minutes(6));
  counter.Add(known, clock.Now());
  EXPECT_TRUE(detector.Evaluate(counter, clock).empty());
  counter.Add(fresh, clock.Now());
  auto d = detector.Evaluate(counter, clock);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].active);
  EXPECT_EQ(d[0].labels, fresh);
  // Transitions to active, counted like the alert lifecycle would.
  int fired = 1;
  int resolved = 0;
  bool was_active = true;
  for (int minute = 0; minute < 30; ++minute) {
    clock.Advance(minutes(1));
    counter.Add(fresh, clock.Now(), 3);  // the same template keeps coming
    bool active = false;
    for (const Detection& x : detector.Evaluate(counter, clock)) {
      active |= x.active;
      if (!x.active) ++resolved;
    }
    if (active && !was_active) ++fired;
    was_active = active;
  }
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(resolved, 1);
  EXPECT_TRUE(detector.Known(fresh));
  EXPECT_TRUE(detector.Evaluate(counter, clock).empty());
}

TEST(NewTermDetectorTest, KnownTermsAreBounded) {
  FakeClock clock;
  BucketCounter counter({minutes(1), 10, 100});
  NewTermDetector detector("t", {minutes(0), minutes(1), 2}, clock.Now());
  for (const char* t : {"a", "b", "c"}) counter.Add({{"t", t}}, clock.Now());
  EXPECT_EQ(detector.Evaluate(counter, clock).size(), 3u);
  EXPECT_FALSE(detector.Known({{"t", "a"}}));
  EXPECT_TRUE(detector.Known({{"t", "c"}}));
}

TEST(SilenceDetectorTest, ASilentServiceFiresAndResolvesWhenItSpeaksAgain) {
  FakeClock clock(WallTime(minutes(28'000'000)));
  BucketCounter counter({minutes(1), 20, 100});
  SilenceDetector detector("silence", SilenceParams{5, 0, 1.0});
  const auto seen = Replay(detector, clock, counter, Concat(Concat(Repeat(30, 20), Repeat(0, 40)), {12, 30}));
  ASSERT_EQ(seen.size(), 62u);
  for (size_t i = 0; i < 25; ++i) EXPECT_FALSE(seen[i].active) << i;
  for (size_t i = 25; i < 60; ++i) EXPECT_TRUE(seen[i].active) << i << " " << seen[i].summary;
  EXPECT_FALSE(seen[60].active);
  EXPECT_FALSE(seen[61].active);
}

TEST(SilenceDetectorTest, AServiceThatWasAlwaysQuietIsNotSilent) {
  FakeClock clock(WallTime(minutes(28'000'000)));
  BucketCounter counter({minutes(1), 20, 100});
  SilenceDetector detector("silence", SilenceParams{5, 0, 1.0});
  std::vector<uint64_t> sparse;
  for (int i = 0; i < 40; ++i) sparse.push_back(i % 10 == 0 ? 1 : 0);
  for (const Detection& d : Replay(detector, clock, counter, sparse)) EXPECT_FALSE(d.active) << d.summary;
}

struct ThresholdCase {
  const char* name;
  ThresholdKind kind;
  uint64_t threshold;
  std::vector<uint64_t> per_minute;
  std::vector<bool> active;
};

TEST(ThresholdDetectorTest, FrequencyAndFlatlineTable) {
  const ThresholdCase cases[] = {
      {"frequency reached", ThresholdKind::kFrequency, 10, {3, 3, 3, 3, 0, 0, 0}, {0, 0, 0, 1, 0, 0, 0}},
      {"frequency never reached", ThresholdKind::kFrequency, 10, {2, 2, 2, 2, 2}, {0, 0, 0, 0, 0}},
      {"flatline after a full timeframe", ThresholdKind::kFlatline, 5, {9, 9, 0, 0, 0, 0, 6}, {0, 0, 0, 0, 0, 1, 0}},
      {"flatline waits for a whole timeframe", ThresholdKind::kFlatline, 5, {0, 0, 0, 0}, {0, 0, 0, 1}},
  };
  for (const ThresholdCase& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock(WallTime(minutes(28'000'000)));
    BucketCounter counter({minutes(1), 10, 100});
    ThresholdDetector detector("rule", {c.kind, c.threshold, 4});
    const auto seen = Replay(detector, clock, counter, c.per_minute);
    ASSERT_EQ(seen.size(), c.active.size());
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i].active, c.active[i]) << i << ": " << seen[i].summary;
  }
}

}  // namespace
}  // namespace kelola::anomaly
