#include "anomaly/session_eval.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fmt/format.h"

namespace kelola::anomaly {

Result<std::vector<SessionKeys>> ParseSessions(std::string_view text, size_t max_sessions) {
  std::vector<SessionKeys> out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    SessionKeys keys;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
      if (j > i) keys.emplace_back(line.substr(i, j - i));
      i = j;
    }
    if (keys.empty()) continue;
    if (out.size() >= max_sessions) {
      return InvalidArgumentError(fmt::format("line {}: more than {} sessions", line_no, max_sessions));
    }
    out.push_back(std::move(keys));
  }
  return out;
}

Result<std::vector<SessionKeys>> ReadSessionFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  // A path that cannot be read is bad input (exit code 2), like a malformed file.
  if (!in) return InvalidArgumentError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  auto sessions = ParseSessions(text.str());
  if (!sessions.ok()) return InvalidArgumentError(fmt::format("{}: {}", path, sessions.status().message()));
  if (sessions->empty()) return InvalidArgumentError(fmt::format("{}: no sessions", path));
  return sessions;
}

SessionSplit HoldOutEveryOther(const std::vector<SessionKeys>& normal) {
  SessionSplit split;
  for (size_t i = 0; i < normal.size(); ++i) (i % 2 == 0 ? split.train : split.held_out).push_back(normal[i]);
  return split;
}

double ImpliedPrecision(double recall, double fpr, double normal, double abnormal) {
  const double tp = recall * abnormal;
  const double fp = fpr * normal;
  return tp + fp > 0 ? tp / (tp + fp) : 0;
}

double ImpliedF1(double recall, double fpr, double normal, double abnormal) {
  const double p = ImpliedPrecision(recall, fpr, normal, abnormal);
  return p + recall > 0 ? 2 * p * recall / (p + recall) : 0;
}

SessionEvalFigures EvaluateSessions(const SessionModel& model, const std::vector<SessionKeys>& held_out_normal,
                                    const std::vector<SessionKeys>& abnormal, size_t train_count, double ratio_normal,
                                    double ratio_abnormal) {
  SessionEvalFigures f;
  f.train = train_count;
  f.abnormal = abnormal.size();
  f.normal = held_out_normal.size();
  for (const SessionKeys& s : abnormal) f.abnormal_flagged += model.Score(s).anomalous ? 1 : 0;
  for (const SessionKeys& s : held_out_normal) f.normal_flagged += model.Score(s).anomalous ? 1 : 0;
  f.recall = f.abnormal > 0 ? static_cast<double>(f.abnormal_flagged) / static_cast<double>(f.abnormal) : 0;
  f.false_positive_rate = f.normal > 0 ? static_cast<double>(f.normal_flagged) / static_cast<double>(f.normal) : 0;
  f.implied_precision = ImpliedPrecision(f.recall, f.false_positive_rate, ratio_normal, ratio_abnormal);
  f.implied_f1 = ImpliedF1(f.recall, f.false_positive_rate, ratio_normal, ratio_abnormal);
  return f;
}

}  // namespace kelola::anomaly
