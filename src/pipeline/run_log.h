// RunLog: a run's output, stored durably as one file per run,
// DIR/<run id>.log, of JSON lines
//   {"n":1,"time":1764262800123,"step":"test","stream":"stdout","line":"ok"}
// (`stream` is stdout, stderr or kelola — the runner's own lines, e.g. the
// checkout and the reason a step failed). Lines arrive already masked.
//
// The writer appends each line with one write(2), so a reader (the logs
// endpoint, following a live run) sees every complete line at once and a
// crash loses at most a partly written last line, which readers skip.
// Thread-safety: RunLogWriter::Append may be called from several threads;
// ReadRunLog is a pure read.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

struct RunLogLine {
  int64_t n = 0;  // 1-based line number within the run
  WallTime time{};
  std::string step;
  std::string stream;  // "stdout" | "stderr" | "kelola"
  std::string line;
};

// DIR/ID.log; InvalidArgument for an id that is not a safe file name.
Result<std::string> RunLogPath(const std::string& dir, const std::string& run_id);

class RunLogWriter {
 public:
  // Opens (creating DIR and the file, appending when it exists).
  static Result<std::unique_ptr<RunLogWriter>> Open(const std::string& dir, const std::string& run_id, Clock& clock);
  ~RunLogWriter();
  RunLogWriter(const RunLogWriter&) = delete;
  RunLogWriter& operator=(const RunLogWriter&) = delete;

  void Append(std::string_view step, std::string_view stream, std::string_view line);
  // Flushes to disk (fsync); called when the run ends (until then a crash of
  // the server loses nothing: the lines are in the page cache).
  void Sync();

 private:
  RunLogWriter(int fd, int64_t next_n, Clock& clock) : fd_(fd), next_n_(next_n), clock_(clock) {}
  std::mutex mu_;
  int fd_;
  int64_t next_n_;
  Clock& clock_;
};

struct RunLogChunk {
  std::vector<RunLogLine> lines;
  uint64_t next_offset = 0;  // where to continue reading
};

// The complete lines from byte `offset` on (at most about `max_bytes`). A
// missing file is an empty chunk; undecodable lines are skipped.
Result<RunLogChunk> ReadRunLog(const std::string& path, uint64_t offset, size_t max_bytes = 1 << 20);

}  // namespace kelola
