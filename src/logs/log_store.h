// LogStore: the server's embedded log store (the default sink).
//
// Append-only segment files under one directory, each a sequence of blocks;
// a block is one ingested batch: an uncompressed metadata section (agent,
// labels, streams) that the in-memory index is built from, and the records
// zstd-compressed. Format: docs/formats/log-store.md.
//
//   - Durability: Append returns only after the block is written and
//     fdatasync'ed, so the server can acknowledge the batch to the agent.
//     Group commit: appends that arrive while a sync runs write their
//     blocks and share the next fdatasync, so many agents cost one sync
//     per group, not one each. Readers see a record only once it is durable.
//     A failed fdatasync leaves the page cache in an unknown state (as in
//     PostgreSQL's "fsyncgate"): the store then refuses every further
//     write until it is reopened, which re-reads what really is on disk.
//   - Exactly-once storage from at-least-once delivery: per (agent, stream)
//     the store remembers the end offset of the last stored record, and
//     drops records that end at or before it (rebuilt from the blocks' metadata
//     on Open).
//   - Index: per block its id range, time range, labels and file paths; a
//     query decompresses only blocks that can match.
//   - Retention: whole sealed segments are deleted, oldest first, when older
//     than retention_age or while the store is above retention_bytes. A
//     retention hold (a sink's cursor) keeps age from deleting records the
//     sink has not delivered yet; the size limit bounds the disk regardless,
//     and a sink then finds and counts the gap (first_id says where it ends).
//   - Crash safety: a torn block at the end of the last segment (a crash
//     mid-write) is cut off on Open; it was never acknowledged.
//
// Thread-safety: all methods may be called from any thread. Appends are
// serialised; queries read blocks without holding the lock.
// Errors: Open returns Internal/DataLoss for I/O and corruption it cannot
// repair; Append returns Internal when the disk write fails (nothing of the
// batch is then stored); Query returns InvalidArgument for a bad regex or an
// unknown min_level.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "logs/log_frame.h"

namespace kelola {

struct LogStoreOptions {
  std::string dir;  // created if missing
  uint64_t segment_max_bytes = 64 * 1024 * 1024;
  Duration segment_max_age = std::chrono::hours(1);
  Duration retention_age = std::chrono::hours(24 * 7);  // 0 = keep regardless of age
  uint64_t retention_bytes = 10ULL << 30;               // 0 = no size limit
  int zstd_level = 3;
  bool fsync = true;  // off only for tests and benchmarks that accept losing acknowledged data
  // How a segment is made durable: ::fdatasync unless a test replaces it
  // (to hold a sync open, or make it fail). Returns 0 or -1 with errno set.
  std::function<int(int fd)> sync_fd;
  // Called under the append lock for every record about to be stored (after
  // duplicates are dropped); its answer becomes the record's field
  // `annotate_field`. The server tags records with their template id
  // (src/analyze). The values are kept in the block's meta, so the batch is
  // still stored as the agent compressed it (log_store_block.h).
  std::function<std::string(const LogRecord&)> annotate;
  std::string annotate_field = "template_id";
};

struct StoredRecord {
  uint64_t id = 0;  // store-wide, increasing in arrival order; the cursor of queries and tails
  std::string agent;
  std::map<std::string, std::string> labels;  // the batch's labels
  LogRecord record;
};

struct LogQuery {
  int64_t from_ms = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t to_ms = std::numeric_limits<int64_t>::max();    // exclusive
  // Exact matches. "agent" and "file" (the record's path) are built in; any
  // other name is a batch label (host, service, ...).
  std::map<std::string, std::string> labels;
  std::string contains;  // substring of the text
  std::string regex;     // RE2, partial match on the text
  // Canonical level (logs/log_level.h): only records at this level or above;
  // records without a level do not match. Empty = any.
  std::string min_level;
  std::map<std::string, std::string> fields;  // exact matches on record fields
  uint64_t after_id = 0;
  size_t limit = 1000;
};

struct LogQueryResult {
  std::vector<StoredRecord> records;
  uint64_t last_id = 0;  // pass as after_id to continue
  bool more = false;     // the limit cut the result short
};

struct AppendResult {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
};

struct LogStoreStats {
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t blocks = 0;
  uint64_t next_id = 1;               // the id the next durable record gets: readers see ids below it
  uint64_t first_id = 1;              // the oldest record still stored (next_id when empty)
  uint64_t records_appended = 0;      // since Open
  uint64_t duplicates_dropped = 0;    // since Open
  uint64_t segments_deleted = 0;      // by retention, since Open
  uint64_t segments_held = 0;         // kept past retention_age by a hold, now
  uint64_t corrupt_blocks = 0;        // skipped by Open or Query
  uint64_t torn_bytes_truncated = 0;  // cut from the last segment by Open
  uint64_t syncs = 0;                 // fdatasync calls since Open (group commit: <= appends)
};

class LogStore {
 public:
  static Result<std::unique_ptr<LogStore>> Open(LogStoreOptions options, Clock& clock);
  ~LogStore();

  // `as_sent`: the batch as the agent compressed it (StorableFramePayload);
  // when every record is accepted it is stored as is, not compressed again.
  Result<AppendResult> Append(const LogBatch& batch, const CompressedPayload* as_sent = nullptr);
  Result<LogQueryResult> Query(const LogQuery& query) const;
  // Waits until a record with id > after_id exists or `deadline` passes;
  // returns the id the next record will get (so "newer exists" is
  // result > after_id + 1).
  uint64_t WaitForNewer(uint64_t after_id, MonoTime deadline);
  // Deletes segments past the retention limits (Append also does it).
  Status ApplyRetention();
  // Age-based retention keeps every record with id > `delivered` while the
  // hold named `holder` is set (a sink's cursor); size-based retention does
  // not wait for it. Setting it again moves it; Release removes it.
  void HoldRetention(const std::string& holder, uint64_t delivered);
  void ReleaseRetention(const std::string& holder);
  LogStoreStats Stats() const;

 private:
  class Impl;
  explicit LogStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
