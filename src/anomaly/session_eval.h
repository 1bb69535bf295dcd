// Evaluation of the SessionModel on labelled session files (the format of
// loghub's hdfs-sessions: one session per line, keys separated by spaces or
// tabs; empty lines are skipped), as `kelola analyze eval-sessions` prints it.
//
// Split: training uses only normal sessions. When the training file is the
// normal file itself, its sessions are split deterministically: line i (from
// 0, counting non-empty lines) trains when i is even and is held out for the
// false-positive rate when i is odd. With a separate training file, all of it
// trains and all of the normal file is held out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "anomaly/session_model.h"
#include "base/status.h"

namespace kelola::anomaly {

// Parses session text; at most `max_sessions` sessions (an error beyond).
Result<std::vector<SessionKeys>> ParseSessions(std::string_view text, size_t max_sessions = 10'000'000);
Result<std::vector<SessionKeys>> ReadSessionFile(const std::string& path);

struct SessionSplit {
  std::vector<SessionKeys> train;
  std::vector<SessionKeys> held_out;
};
// Even lines train, odd lines are held out.
SessionSplit HoldOutEveryOther(const std::vector<SessionKeys>& normal);

struct SessionEvalFigures {
  size_t train = 0;
  size_t abnormal = 0;
  size_t abnormal_flagged = 0;
  size_t normal = 0;
  size_t normal_flagged = 0;
  double recall = 0;
  double false_positive_rate = 0;
  double implied_precision = 0;
  double implied_f1 = 0;
};

// F1 of a detector with this recall and false-positive rate on a population
// of `normal` normal and `abnormal` abnormal sessions.
double ImpliedPrecision(double recall, double fpr, double normal, double abnormal);
double ImpliedF1(double recall, double fpr, double normal, double abnormal);

// Scores every session; the ratio is the population the F1 is implied for
// (the real HDFS test set: 553,366 normal, 16,838 abnormal).
SessionEvalFigures EvaluateSessions(const SessionModel& model, const std::vector<SessionKeys>& held_out_normal,
                                    const std::vector<SessionKeys>& abnormal, size_t train_count,
                                    double ratio_normal = 553366, double ratio_abnormal = 16838);

}  // namespace kelola::anomaly
