// SessionTracker: groups log lines into sessions by an id a configured RE2
// pattern extracts from the message (its first capture group: a block id, a
// request id, a trace id). A session ends when no line has joined it for
// `idle_timeout`; ended sessions are scored by a SessionModel, and the
// anomalous ones become Detections (active, labels {session: <id>} plus the
// configured labels, summary: why).
//
// Memory is bounded: at most `max_open_sessions` open sessions (beyond it the
// least recently active one is closed early) of at most `max_session_keys`
// keys (the excess is counted, not kept). Not thread-safe.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "anomaly/detection.h"
#include "anomaly/session_model.h"
#include "base/clock.h"
#include "base/status.h"

namespace re2 {
class RE2;
}

namespace kelola::anomaly {

struct SessionTrackerOptions {
  std::string id_pattern;  // RE2 with at least one capture group, e.g. "(blk_-?[0-9]+)"
  Duration idle_timeout = std::chrono::minutes(5);
  size_t max_open_sessions = 100000;
  size_t max_session_keys = 10000;
};

struct ClosedSession {
  std::string id;
  SessionKeys keys;
  size_t dropped_keys = 0;
};

class SessionTracker {
 public:
  static Result<SessionTracker> Create(SessionTrackerOptions options);

  // Adds a line (its template key and message) seen at `t`. Lines without an
  // id are ignored; returns whether the line joined a session.
  bool Add(std::string_view template_key, std::string_view message, WallTime t);
  // Ends the sessions idle for idle_timeout at `now` (and any closed early).
  std::vector<ClosedSession> TakeClosed(WallTime now);

  size_t open_sessions() const { return open_.size(); }

 private:
  struct Open {
    std::string id;
    SessionKeys keys;
    size_t dropped = 0;
    WallTime last{};
  };
  SessionTrackerOptions options_;
  std::shared_ptr<const re2::RE2> pattern_;
  std::list<Open> lru_;  // least recently active first
  std::unordered_map<std::string, std::list<Open>::iterator> open_;
  std::vector<ClosedSession> closed_early_;
};

// Scores ended sessions with a trained model; one active Detection per
// anomalous session (a session is a one-off: the lifecycle resolves it by its
// own timeout).
std::vector<Detection> ScoreSessions(const std::string& rule, const SessionModel& model,
                                     const std::vector<ClosedSession>& sessions, const Labels& labels,
                                     const Clock& clock);

}  // namespace kelola::anomaly
