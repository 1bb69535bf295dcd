// LogInput: an agent input other than files (syslog, stdin): a source of
// records that cannot be read again. Each input gives its records a stream
// id of its own, new for every agent run, and a running byte count as
// offset, so the server's (stream, offset) duplicate check drops the
// batches the agent re-sends after a lost acknowledgement.
//
// Thread-safety: Poll is called by the pipeline thread only; counters may
// be read by others.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "logs/log_record.h"

namespace kelola {

class LogInput {
 public:
  virtual ~LogInput() = default;
  // "syslog", "stdin": the input's configuration section.
  virtual std::string name() const = 0;
  // Appends what arrived, reading at most about `budget_bytes` of text; with
  // a zero budget nothing is read (backpressure). Does not block.
  virtual Status Poll(size_t budget_bytes, std::vector<LogRecord>& out) = 0;
  // True once the input can deliver nothing more (stdin at end of file).
  virtual bool finished() const { return false; }
};

// 16 hex digits identifying `source` ("syslog+tcp://127.0.0.1:514") in this
// agent run: a hash of the source and a random nonce drawn at start.
std::string RunStreamId(const std::string& source);

}  // namespace kelola
