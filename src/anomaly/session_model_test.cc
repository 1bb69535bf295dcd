#include "anomaly/session_model.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "anomaly/session_eval.h"

namespace kelola::anomaly {
namespace {

SessionKeys Keys(std::string_view text) { return std::move(*ParseSessions(text)).at(0); }

// A toy system: open (O), n reads (R) each answered (A), close (C); some
// sessions retry (T) and then log a retry-done (D). Order varies freely.
std::vector<SessionKeys> ToyNormal() {
  std::vector<SessionKeys> out;
  for (int i = 0; i < 60; ++i) {
    SessionKeys s = {"O"};
    for (int r = 0; r < 1 + i % 4; ++r) {
      s.push_back("R");
      s.push_back("A");
    }
    if (i % 5 == 0) {
      s.push_back("T");
      s.push_back("D");
    }
    if (i % 2 == 0) std::reverse(s.begin() + 1, s.end());  // interleaving noise
    s.push_back("C");
    out.push_back(s);
  }
  for (int i = 0; i < 20; ++i) out.push_back({"O", "W", "C"});  // writes, never with retries
  return out;
}

TEST(SessionModelTest, LearnsCountInvariantsAndIgnoresOrder) {
  const SessionModel m = SessionModel::Train(ToyNormal());
  EXPECT_EQ(m.key_count(), 7u);
  EXPECT_GT(m.invariant_count(), 0u);
  EXPECT_FALSE(m.Score(Keys("O R A R A C")).anomalous);
  EXPECT_FALSE(m.Score(Keys("C A R A R O")).anomalous) << "order is not modelled";
  EXPECT_FALSE(m.Score(Keys("O R A R A R A R A R A C")).anomalous) << "more reads than seen, invariants still hold";
  const SessionVerdict unanswered = m.Score(Keys("O R A R C"));
  EXPECT_TRUE(unanswered.anomalous);
  EXPECT_NE(unanswered.reason.find("invariant"), std::string::npos) << unanswered.reason;
  EXPECT_TRUE(m.Score(Keys("O R A")).anomalous) << "never closed";
  const SessionVerdict unseen = m.Score(Keys("O R A X C"));
  EXPECT_TRUE(unseen.anomalous);
  EXPECT_EQ(unseen.reason, "key X never occurs in normal sessions");
}

TEST(SessionModelTest, LearnsExclusions) {
  const SessionModel m = SessionModel::Train(ToyNormal());
  EXPECT_GE(m.exclusion_count(), 1u);
  // W and R never meet: expected 20*60/80 = 15 sessions with both if independent.
  const SessionVerdict v = m.Score(Keys("O W R A C"));
  EXPECT_TRUE(v.anomalous);
  EXPECT_NE(v.reason.find("never occur in the same normal session"), std::string::npos) << v.reason;
}

TEST(SessionModelTest, ToleratesARareBrokenTrainingSession) {
  const auto toy = ToyNormal();
  std::vector<SessionKeys> normal = toy;
  for (int i = 0; i < 10; ++i) normal.insert(normal.end(), toy.begin(), toy.begin() + 60);
  normal.push_back(Keys("O R C"));  // one odd session among 680: below the 0.2% tolerance
  const SessionModel m = SessionModel::Train(normal);
  EXPECT_TRUE(m.Score(Keys("O R C")).anomalous);
  SessionModelParams strict;
  strict.invariant_tolerance = 0;
  EXPECT_LT(SessionModel::Train(normal, strict).invariant_count(), m.invariant_count());
}

TEST(SessionEvalTest, ParsesSessionsAndSplitsDeterministically) {
  auto s = ParseSessions("5 5 22\n\n 11\t9 \r\n26");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[1], (SessionKeys{"11", "9"}));
  EXPECT_FALSE(ParseSessions("1\n2\n3\n", 2).ok());
  const SessionSplit split = HoldOutEveryOther(*s);
  EXPECT_EQ(split.train.size(), 2u);
  EXPECT_EQ(split.held_out.size(), 1u);
  EXPECT_EQ(split.held_out[0], (SessionKeys{"11", "9"}));
  EXPECT_FALSE(ReadSessionFile("/nonexistent/sessions.txt").ok());
}

TEST(SessionEvalTest, ImpliedF1) {
  // DeepLog's published HDFS counts: 833 false positives, 619 false negatives.
  const double recall = (16838.0 - 619) / 16838;
  const double fpr = 833.0 / 553366;
  EXPECT_NEAR(ImpliedF1(recall, fpr, 553366, 16838), 0.957, 0.001);
  EXPECT_DOUBLE_EQ(ImpliedF1(1, 0, 553366, 16838), 1);
  EXPECT_DOUBLE_EQ(ImpliedF1(0, 0, 553366, 16838), 0);
}

// The evaluation of `kelola analyze eval-sessions` on the real HDFS sessions;
// the figures are those recorded in docs/analysis.md.
TEST(SessionEvalTest, HdfsSessionsMeetTheGoal) {
  const std::string dir = "/work/shared/data/loghub/hdfs-sessions/";
  if (!std::filesystem::exists(dir + "normal.txt")) GTEST_SKIP() << "no HDFS sessions at " << dir;
  auto normal = ReadSessionFile(dir + "normal.txt");
  auto abnormal = ReadSessionFile(dir + "abnormal.txt");
  ASSERT_TRUE(normal.ok() && abnormal.ok());
  const SessionSplit split = HoldOutEveryOther(*normal);
  const SessionModel model = SessionModel::Train(split.train);
  const SessionEvalFigures f = EvaluateSessions(model, split.held_out, *abnormal, split.train.size());
  EXPECT_EQ(f.train, 1928u);
  EXPECT_EQ(f.normal, 1927u);
  EXPECT_EQ(f.abnormal, 8419u);
  EXPECT_EQ(f.abnormal_flagged, 8415u);
  EXPECT_EQ(f.normal_flagged, 0u);
  EXPECT_EQ(model.invariant_count(), 84u);
  EXPECT_EQ(model.exclusion_count(), 4u);
  EXPECT_GE(f.recall, 0.97);
  EXPECT_GT(f.implied_f1, 0.96);
  // The other half trains: the goal holds either way.
  std::vector<SessionKeys> swapped_train = split.held_out;
  const SessionModel swapped = SessionModel::Train(swapped_train);
  const SessionEvalFigures g = EvaluateSessions(swapped, split.train, *abnormal, swapped_train.size());
  EXPECT_EQ(g.abnormal_flagged, 8415u);
  EXPECT_EQ(g.normal_flagged, 2u);
  EXPECT_GT(g.implied_f1, 0.96);
}

}  // namespace
}  // namespace kelola::anomaly
