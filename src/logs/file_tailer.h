// FileTailer: the agent's file input. Follows every file matching the
// include globs, through rotation, and turns appended bytes into records.
//
//   - New files matching the globs are picked up on each Poll().
//   - Rotation by rename: the open descriptor keeps being read to its end,
//     the new file at the path is a new file read from its head; a file gone
//     from the globs is closed `rotated_grace` after its last data.
//   - Rotation by copytruncate: a file shorter than the read position, or
//     whose first bytes changed, starts over from offset 0 as a new stream.
//   - Identity = device + inode + fingerprint (file_identity.h), so a reused
//     inode is a new file, never resumed at the old file's offset.
//   - Where to start: the checkpoint when the identity matches; otherwise
//     offset 0 — except for files already present at the first scan with no
//     checkpoint at all, which start at their end unless read_from_head.
//   - A file's start position and stream id are saved to the checkpoint
//     store before any of its records is returned; after that a checkpoint
//     moves only through Acknowledge(), i.e. after the server stored the data.
//
// Poll() reads at most `max_bytes`, so a full queue downstream pauses the
// input instead of dropping lines. Not thread-safe: one thread polls and
// acknowledges. Errors: Create returns InvalidArgument for bad options;
// Poll returns Internal only when checkpoints cannot be saved (a file that
// vanishes or cannot be read is skipped and counted, never fatal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "logs/checkpoint_store.h"
#include "logs/log_record.h"

namespace kelola {

struct FileTailerOptions {
  std::vector<std::string> include;  // glob(3) patterns: "/var/log/app/*.log"
  std::vector<std::string> exclude;  // fnmatch(3) patterns on the full path: "*.gz"
  bool read_from_head = false;       // for files found at startup without a checkpoint
  size_t max_line_bytes = 256 * 1024;
  size_t fingerprint_bytes = 256;
  size_t read_chunk_bytes = 64 * 1024;
  std::string multiline_start;  // RE2; "" = every line is a record
  Duration multiline_idle = std::chrono::seconds(1);
  size_t multiline_max_bytes = 1024 * 1024;
  Duration rotated_grace = std::chrono::seconds(5);
};

// What the tailer knows about one open file, for metrics and status.
struct TailedFileStatus {
  std::string path;
  std::string stream_id;
  uint64_t size = 0;
  uint64_t read_offset = 0;   // next byte to read
  uint64_t acked_offset = 0;  // checkpoint
};

struct FileTailerCounters {
  uint64_t files_opened = 0;
  uint64_t truncations = 0;   // copytruncate and rewrites detected
  uint64_t inode_reuses = 0;  // checkpoint for the inode, but another file
  uint64_t read_errors = 0;
  uint64_t bytes_read = 0;
  uint64_t split_lines = 0;  // pieces of over-long lines
};

class FileTailer {
 public:
  static Result<std::unique_ptr<FileTailer>> Create(FileTailerOptions options, CheckpointStore& checkpoints,
                                                    Clock& clock);
  ~FileTailer();

  // Scans the globs, reads up to `max_bytes` of new data and appends the
  // resulting records (stream_id, path, offsets and time set) to `out`.
  Status Poll(size_t max_bytes, std::vector<LogRecord>& out);
  // The server stored every record of `stream_id` ending at or before
  // `end_offset`. Moves the in-memory checkpoint; CommitCheckpoints saves it.
  void Acknowledge(const std::string& stream_id, uint64_t end_offset);
  // Durably saves the checkpoints (and forgets closed, fully acknowledged files).
  Status CommitCheckpoints();

  std::vector<TailedFileStatus> Files() const;
  const FileTailerCounters& counters() const;

 private:
  class Impl;
  explicit FileTailer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
