// MultilineJoiner: joins lines into events by a start pattern, e.g. a Java
// stack trace: "^\d{4}-\d\d-\d\d " starts an event, and the "\tat ..." lines
// that do not match are appended to it with "\n".
//
// The held event is emitted when the next start line arrives, when adding a
// line would pass `max_event_bytes`, or by FlushIfIdle once no line came for
// the idle timeout (the last event of a burst must not wait forever). Pieces
// of a split over-long line always join the event they belong to. The joined
// record spans the byte range from its first line to its last.
//
// Pure logic on RE2 (linear time, safe on hostile input). Not thread-safe.
// Errors: Create returns InvalidArgument naming the pattern when RE2 rejects it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "logs/log_record.h"

namespace re2 {
class RE2;
}

namespace kelola {

class MultilineJoiner {
 public:
  static Result<std::unique_ptr<MultilineJoiner>> Create(const std::string& start_pattern, size_t max_event_bytes);
  ~MultilineJoiner();

  // Adds one line (from LineAssembler) read at `now`; finished events go to `out`.
  void Add(LogRecord line, MonoTime now, std::vector<LogRecord>& out);
  // Emits the held event when the last line was added `idle` or longer ago.
  void FlushIfIdle(MonoTime now, Duration idle, std::vector<LogRecord>& out);
  // Emits the held event, if any.
  void Flush(std::vector<LogRecord>& out);
  bool holding() const { return held_.has_value(); }

 private:
  MultilineJoiner(std::unique_ptr<re2::RE2> start, size_t max_event_bytes);

  std::unique_ptr<re2::RE2> start_;
  size_t max_event_bytes_;
  std::optional<LogRecord> held_;
  bool last_was_split_ = false;  // the previous line continues in the next piece
  MonoTime last_add_{};
};

}  // namespace kelola
