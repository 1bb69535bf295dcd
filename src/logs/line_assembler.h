// LineAssembler: turns the bytes of one file, read in arbitrary chunks, into
// line records with exact byte offsets.
//
// A line ends at '\n' (a trailing '\r' is dropped). A line longer than
// `max_line_bytes` is cut into pieces of max_line_bytes: every piece but the
// last is flagged `split`, so nothing is dropped and memory stays bounded
// even for a 10 MB line. Bytes after the last newline wait for more data.
//
// Pure logic; not thread-safe (one per tailed file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "logs/log_record.h"

namespace kelola {

class LineAssembler {
 public:
  LineAssembler(size_t max_line_bytes, uint64_t start_offset);

  // `bytes` were read at next_offset(). Completed lines and pieces are
  // appended to `out` with text, offset, end_offset and split set.
  void Feed(std::string_view bytes, std::vector<LogRecord>& out);
  // Emits the bytes after the last newline as a line of their own (used when
  // a file is closed for good or truncated: its last line never got a '\n').
  void FlushPartial(std::vector<LogRecord>& out);
  // Forgets pending bytes and restarts at `offset`.
  void Reset(uint64_t offset);

  uint64_t next_offset() const { return pending_start_ + pending_.size(); }
  size_t pending_bytes() const { return pending_.size(); }

 private:
  void Emit(std::string_view text, uint64_t offset, uint64_t end_offset, bool split, std::vector<LogRecord>& out);

  size_t max_line_bytes_;
  uint64_t pending_start_;  // file offset of pending_[0]
  std::string pending_;     // bytes of the current, unfinished line
};

}  // namespace kelola
