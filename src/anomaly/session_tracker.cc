#include "anomaly/session_tracker.h"

#include <re2/re2.h>

#include "fmt/format.h"

namespace kelola::anomaly {

Result<SessionTracker> SessionTracker::Create(SessionTrackerOptions options) {
  RE2::Options re_options;
  re_options.set_log_errors(false);
  auto re = std::make_shared<RE2>(options.id_pattern, re_options);
  if (!re->ok()) return InvalidArgumentError("session id pattern: not a valid RE2 regular expression: " + re->error());
  if (re->NumberOfCapturingGroups() < 1) {
    return InvalidArgumentError("session id pattern: needs a capture group around the id, e.g. (blk_-?[0-9]+)");
  }
  SessionTracker t;
  options.max_open_sessions = std::max<size_t>(options.max_open_sessions, 1);
  t.options_ = std::move(options);
  t.pattern_ = std::move(re);
  return t;
}

bool SessionTracker::Add(std::string_view template_key, std::string_view message, WallTime t) {
  re2::StringPiece id_piece;
  if (!RE2::PartialMatch(re2::StringPiece(message.data(), message.size()), *pattern_, &id_piece)) return false;
  std::string id(id_piece.data(), id_piece.size());
  auto it = open_.find(id);
  if (it == open_.end()) {
    if (open_.size() >= options_.max_open_sessions) {
      Open& oldest = lru_.front();
      closed_early_.push_back({oldest.id, std::move(oldest.keys), oldest.dropped});
      open_.erase(oldest.id);
      lru_.pop_front();
    }
    lru_.push_back(Open{id, {}, 0, t});
    it = open_.emplace(id, std::prev(lru_.end())).first;
  } else {
    lru_.splice(lru_.end(), lru_, it->second);  // now the most recently active
  }
  Open& s = *it->second;
  if (s.keys.size() < options_.max_session_keys) {
    s.keys.emplace_back(template_key);
  } else {
    ++s.dropped;
  }
  s.last = std::max(s.last, t);
  return true;
}

std::vector<ClosedSession> SessionTracker::TakeClosed(WallTime now) {
  std::vector<ClosedSession> out = std::move(closed_early_);
  closed_early_.clear();
  // The list is ordered by activity, so idle sessions are at the front (lines
  // arriving slightly out of time order only delay an ending).
  while (!lru_.empty() && now - lru_.front().last >= options_.idle_timeout) {
    Open& s = lru_.front();
    out.push_back({s.id, std::move(s.keys), s.dropped});
    open_.erase(s.id);
    lru_.pop_front();
  }
  return out;
}

std::vector<Detection> ScoreSessions(const std::string& rule, const SessionModel& model,
                                     const std::vector<ClosedSession>& sessions, const Labels& labels,
                                     const Clock& clock) {
  std::vector<Detection> out;
  for (const ClosedSession& s : sessions) {
    const SessionVerdict v = model.Score(s.keys);
    if (!v.anomalous) continue;
    Labels l = labels;
    l["session"] = s.id;
    out.push_back(
        Detection{rule, std::move(l), true, static_cast<double>(s.keys.size()), 0,
                  fmt::format("session {} ({} lines) is unlike normal sessions: {}", s.id, s.keys.size(), v.reason),
                  clock.Now()});
  }
  return out;
}

}  // namespace kelola::anomaly
