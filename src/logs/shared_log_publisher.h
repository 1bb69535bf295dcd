// LogBatchPublisher: where an ingest handler (agent frames, Loki push,
// Elasticsearch _bulk) puts a batch before storing it locally and
// acknowledging it, when replicas share their logs (PostgreSQL mode,
// docs/operations.md). Without one (SQLite mode) handlers only store locally.
//
// SharedLogPublisher writes the batch as an agent frame into the shared
// LogBatchTable; every replica's SharedLogFeed applies it to its own store.
// Publish returns once the row is committed; any error means "not shared:
// do not acknowledge" (Unavailable while PostgreSQL is down, so the client
// retries, perhaps on another replica; the per-stream offsets make that
// retry a no-op wherever the first attempt did land).
//
// Thread-safety: Publish may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "logs/log_frame.h"
#include "store/log_batch_table.h"

namespace kelola {

class LogBatchPublisher {
 public:
  virtual ~LogBatchPublisher() = default;
  // `frame`: the batch as the agent sent it (an agent frame DecodeFrame
  // accepted), or empty to have it encoded here.
  virtual Status Publish(const LogBatch& batch, std::string_view frame) = 0;
};

class SharedLogPublisher final : public LogBatchPublisher {
 public:
  // `table` and `clock` must outlive the publisher. `origin` names this
  // replica in the table (diagnostics only).
  SharedLogPublisher(LogBatchTable& table, std::string origin, Clock& clock)
      : table_(table), origin_(std::move(origin)), clock_(clock) {}
  Status Publish(const LogBatch& batch, std::string_view frame) override;

 private:
  LogBatchTable& table_;
  const std::string origin_;
  Clock& clock_;
};

}  // namespace kelola
