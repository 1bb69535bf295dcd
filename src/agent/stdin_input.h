// StdinInput: lines of the agent's standard input (`app | kelola agent`),
// split at newlines with the file input's LineAssembler (over-long lines in
// flagged pieces). Offsets are byte offsets in the stream; the stream id is
// new for every agent run. At end of input the last line without a newline
// is delivered and the input is finished: an agent whose only input is stdin
// exits once everything was acknowledged.
//
// Reads only when poll() says the descriptor is readable, so it never
// blocks; with no budget nothing is read and the writer blocks on the full
// pipe (backpressure). Thread-safety: one thread.
#pragma once

#include <memory>

#include "agent/log_input.h"
#include "base/clock.h"
#include "logs/line_assembler.h"

namespace kelola {

class StdinInput : public LogInput {
 public:
  // `fd` is 0 in the agent, a pipe in tests; it is not closed.
  StdinInput(int fd, size_t max_line_bytes, Clock& clock);

  std::string name() const override { return "stdin"; }
  Status Poll(size_t budget_bytes, std::vector<LogRecord>& out) override;
  bool finished() const override { return finished_; }

 private:
  int fd_;
  Clock& clock_;
  LineAssembler lines_;
  std::string stream_id_;
  bool finished_ = false;
  std::vector<char> buffer_;
};

}  // namespace kelola
