// LogBatchTable: the log batches shared by several `kelola server` replicas
// (PostgreSQL mode). A replica inserts every batch it receives before
// acknowledging it; every replica reads them all, in id order, into its own
// log store (src/logs/shared_log_feed.h). The payload is opaque here (an agent
// frame, docs/formats/agent-frame.md): the store knows nothing of logs.
//
// Ids are assigned in commit order and without holes, so "id > last" never
// skips a batch that commits later, and a hole a reader sees was deleted
// by retention (DeleteOlderThan).
//
// Errors: Unavailable while the database cannot be reached (retry);
// FailedPrecondition from a fenced delete when the lease is no longer held.
// Thread-safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

struct SharedLogBatch {
  int64_t id = 0;
  int64_t received_ms = 0;  // Unix milliseconds, when it was inserted
  std::string origin;       // the replica that received it
  std::string agent;
  int64_t records = 0;
  std::string payload;
};

struct LogBatchTableBounds {
  int64_t oldest_id = 0;  // 0 when the table is empty
  int64_t last_id = 0;    // the last id ever assigned (also when empty)
};

class LogBatchTable {
 public:
  virtual ~LogBatchTable() = default;

  // Inserts and commits; returns the batch's id.
  virtual Result<int64_t> Insert(const SharedLogBatch& batch) = 0;
  // Up to `limit` batches with id > after_id, in id order, together holding
  // at most about `max_bytes` of payload (always at least one).
  virtual Result<std::vector<SharedLogBatch>> ReadAfter(int64_t after_id, int limit, size_t max_bytes) = 0;
  virtual Result<LogBatchTableBounds> Bounds() = 0;
  // Deletes batches received before `cutoff` while `fence` is the current
  // holder of its lease; returns how many.
  virtual Result<int64_t> DeleteOlderThan(WallTime cutoff, const LeaseFence& fence) = 0;
  // Blocks until a batch was inserted (by any replica) since the last call,
  // `timeout` passed, or Wake() was called. May return early; callers
  // re-read the table either way.
  virtual void WaitForInsert(Duration timeout) = 0;
  // Ends a WaitForInsert in progress, and the next one at once.
  virtual void Wake() = 0;
};

}  // namespace kelola
