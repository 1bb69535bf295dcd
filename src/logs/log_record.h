// LogRecord: one log line (or one joined multiline event) read by the agent,
// with where it came from in its file so that acknowledgements can advance
// the file's checkpoint and the server can drop duplicates.
//
// `offset` doubles as the per-stream sequence number: it is the byte offset
// of the record's first byte in the file instance named by `stream_id`, so a
// record re-read after an agent restart carries the same (stream, offset) and
// the server recognises it. Records of inputs that cannot be re-read (syslog,
// stdin) get a stream id per input and agent run and a running byte count as
// offset, which keeps the server's duplicate check working for retries.
//
// `level` and `fields` are filled by the agent's parsers (logs/log_parser.h);
// `text` stays the line as it was received. Plain value; no thread-safety
// concerns.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace kelola {

struct LogRecord {
  std::string stream_id;    // one file instance (identity), 16 hex digits
  std::string path;         // path the file had when the record was read
  uint64_t offset = 0;      // byte offset of the first byte: the per-stream sequence number
  uint64_t end_offset = 0;  // offset just past the record and its newline
  int64_t time_ms = 0;      // when the agent read it (Unix milliseconds)
  std::string text;         // without the trailing newline
  // A piece of a line longer than max_line_bytes; the pieces of one line
  // follow each other, all but the last flagged.
  bool split = false;
  // Canonical level (logs/log_level.h: trace, debug, info, warn, error,
  // fatal), empty when unknown.
  std::string level;
  // Fields a parser extracted, and the labels of the record's input.
  std::map<std::string, std::string> fields;
};

}  // namespace kelola
