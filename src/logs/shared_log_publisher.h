// LogBatchPublisher: how an ingest handler (agent frames, Loki push,
// Elasticsearch _bulk) stores a batch when replicas share their logs
// (PostgreSQL mode, docs/operations.md), instead of appending it to the local
// LogStore itself. Without one (SQLite mode) handlers append locally.
//
// SharedLogPublisher inserts the batch (an agent frame) into the shared
// LogBatchTable and then waits until this replica's SharedLogFeed has applied
// that row to the local store, so an acknowledged batch is both shared and
// queryable here (read-your-writes). The local store receives batches only
// through the feed, in table order: that keeps each stream's offsets
// increasing, which the store's duplicate check relies on; a replica that
// appended a client's batch itself could get it before an earlier batch of
// the same stream that another replica took, and would then drop that one.
//
// Errors: Unavailable when the insert fails (not shared: do not acknowledge;
// the client retries, maybe on another replica, and the per-stream offsets
// make the retry a no-op wherever the first attempt landed), or when the
// feed did not apply the row within the wait (it is shared; the retry is a
// no-op too).
//
// Thread-safety: Publish may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "logs/log_frame.h"
#include "logs/log_store.h"
#include "logs/shared_log_feed.h"
#include "store/log_batch_table.h"

namespace kelola {

class LogBatchPublisher {
 public:
  virtual ~LogBatchPublisher() = default;
  // `frame`: the batch as the agent sent it (an agent frame DecodeFrame
  // accepted), or empty to have it encoded here. Returns what the local
  // store made of it.
  virtual Result<AppendResult> Publish(const LogBatch& batch, std::string_view frame) = 0;
};

class SharedLogPublisher final : public LogBatchPublisher {
 public:
  // `table`, `feed` and `clock` must outlive the publisher. `origin` names
  // this replica in the table (diagnostics only). `feed` null: return once
  // shared, without waiting (tests of the feed itself).
  SharedLogPublisher(LogBatchTable& table, SharedLogFeed* feed, std::string origin, Clock& clock,
                     Duration apply_timeout = std::chrono::seconds(10))
      : table_(table), feed_(feed), origin_(std::move(origin)), clock_(clock), apply_timeout_(apply_timeout) {}
  Result<AppendResult> Publish(const LogBatch& batch, std::string_view frame) override;

 private:
  LogBatchTable& table_;
  SharedLogFeed* feed_;
  const std::string origin_;
  Clock& clock_;
  const Duration apply_timeout_;
};

}  // namespace kelola
