// SharedLogFeed: makes this replica's LogStore hold every log batch any
// replica acknowledged (PostgreSQL mode; docs/operations.md, "Logs with
// several replicas").
//
// A thread reads the shared LogBatchTable in id order after this replica's
// applied id, appends each batch to the local store and then persists the
// applied id in `cursor_path` (decimal text, written atomically). It waits
// for the table's notification of an insert, at most `poll_interval`
// (the fallback if a notification is lost or the listener is down).
//
//   - Exactly once from at-least-once: the LogStore drops records at or
//     before its per-(agent, stream) end offset, so a batch this replica
//     stored already (its own, applied before it was acknowledged) or a
//     batch re-sent by an agent to another replica is a no-op. So the cursor
//     need not be fsynced: after a crash the feed re-applies a few batches.
//   - The local store gets batches only from the feed, in table order, also
//     those this replica received (SharedLogPublisher waits in WaitApplied):
//     a stream's offsets then only grow, as the store's check requires.
//   - Restart: resumes after the persisted id. A new replica (no cursor file)
//     starts at the table's oldest row.
//   - Gaps: ids have no holes (log_batch_table.h), so a first id above
//     applied + 1 means those batches were deleted by retention before this
//     replica applied them (it was down longer than `retention`, or is new).
//     They are skipped, counted (gap_batches) and logged once with the range;
//     the lines are still on the replicas that applied them in time and in
//     the sinks.
//   - A table whose last id is below the applied id (the database was
//     restored from a backup) is applied again from its oldest row.
//   - A row that does not decode (it cannot come from a kelola ingest
//     handler) is skipped, counted and logged; a local append that fails
//     (disk) is retried with backoff, never skipped.
//   - Retention: every `retention_every`, if `fence` returns one (this
//     replica holds the lease), rows received more than `retention` ago are
//     deleted; the delete checks the fencing token in its transaction.
//
// Thread-safety: Step()/ApplyRetention() are for tests and are not to be
// mixed with Start()/Stop(); Stats() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "logs/log_store.h"
#include "store/log_batch_table.h"

namespace kelola {

struct SharedLogFeedOptions {
  std::string cursor_path;  // e.g. DATA_DIR/logs-shared.applied
  Duration poll_interval = std::chrono::seconds(2);
  int page_batches = 64;
  size_t page_bytes = 32 << 20;
  Duration retention = std::chrono::hours(6);
  Duration retention_every = std::chrono::minutes(1);
  // The lease fence of this replica when it leads table retention; nullopt
  // otherwise. Null: this feed never deletes.
  std::function<std::optional<LeaseFence>()> fence;
  Duration max_backoff = std::chrono::seconds(5);
};

struct SharedLogFeedStats {
  int64_t applied_id = 0;  // the last table id applied (or skipped)
  uint64_t batches_applied = 0;
  uint64_t records_stored = 0;     // new to this replica
  uint64_t records_duplicate = 0;  // already here (its own batches, re-sent batches)
  uint64_t gap_batches = 0;        // deleted by retention before they were applied
  uint64_t malformed_batches = 0;  // skipped: payload did not decode
  uint64_t rows_deleted = 0;       // by retention, as leader
  int64_t last_lag_ms = 0;         // received_at to applied, of the last batch applied
  uint64_t consecutive_failures = 0;
  std::string last_error;
};

class SharedLogFeed {
 public:
  // Reads the cursor file. `table`, `store`, `clock` and `metrics` (may be
  // null) must outlive the feed.
  static Result<std::unique_ptr<SharedLogFeed>> Create(LogBatchTable& table, LogStore& store,
                                                       SharedLogFeedOptions options, Clock& clock,
                                                       MetricsRegistry* metrics);
  ~SharedLogFeed();

  // Applies the next page; true when it applied or skipped anything.
  Result<bool> Step();
  // Deletes expired rows if this replica holds the fence.
  Status ApplyRetention();
  // Waits until the row `id` (inserted by this replica) is applied to the
  // local store and returns what the store made of it; Unavailable after
  // `timeout` or when stopping. Wakes the feed so it looks at once.
  Result<AppendResult> WaitApplied(int64_t id, Duration timeout);

  void Start();
  void Stop();
  SharedLogFeedStats Stats() const;

 private:
  struct Metrics;
  SharedLogFeed(LogBatchTable& table, LogStore& store, SharedLogFeedOptions options, Clock& clock,
                MetricsRegistry* metrics, int64_t applied, bool fresh);
  void Run();
  // Skips ids (applied, first) that are gone; logs and counts them.
  void SkipGap(int64_t first_present);
  Status SaveCursor(int64_t applied);

  LogBatchTable& table_;
  LogStore& store_;
  const SharedLogFeedOptions options_;
  Clock& clock_;
  std::unique_ptr<Metrics> metrics_;
  bool fresh_;  // no cursor file at start: a new replica

  // Marks row `id` applied with `result` and wakes WaitApplied callers.
  void Applied(int64_t id, const AppendResult& result);

  mutable std::mutex mu_;  // guards stats_, applied_public_, recent_
  std::condition_variable applied_cv_;
  SharedLogFeedStats stats_;
  int64_t applied_public_ = 0;                           // applied_, for WaitApplied
  std::deque<std::pair<int64_t, AppendResult>> recent_;  // the last rows' results, for WaitApplied
  int64_t applied_;                                      // the feed thread's copy
  MonoTime next_retention_{};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kelola
