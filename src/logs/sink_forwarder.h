// SinkForwarder: moves records from the embedded LogStore to one LogSink
// (Elasticsearch, Loki, ...), losing nothing.
//
// Per sink, a thread reads up to `batch_records` records after the sink's
// durable cursor (a small file, written atomically), calls LogSink::Deliver,
// persists the dead letters it reports (DeadLetterLog), and only then
// advances the cursor. Any error from Deliver means "offer the same records
// again": the forwarder waits with exponential backoff and full jitter
// (initial * 2^failures, capped, times a random point in [0, 1)) and retries;
// sinks make that idempotent (log_sink.h). A server restart resumes at the
// cursor; records appended while the sink is down wait in the store: the
// cursor is a retention hold, so age never deletes what the sink has not
// delivered. Only the store's size limit can; the forwarder then skips the
// gap, counts it as `expired` and logs the id range it lost.
//
// Counters per sink on /metrics (SinkMetrics): records sent / dead-lettered,
// item retries inside the sink, batch retries, failures by status code, lag
// in records, the time of the last error. Counts come only from successful
// Deliver calls, so a batch re-offered after a failure is not counted twice.
//
// Thread-safety: Step() is for tests and is not to be mixed with
// Start()/Stop(); Stats() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "logs/dead_letter_log.h"
#include "logs/log_sink.h"
#include "logs/log_store.h"

namespace kelola {

// The /metrics families of every forwarder; register once per registry.
struct SinkMetrics {
  explicit SinkMetrics(MetricsRegistry& registry);
  CounterFamily& records;        // {sink, outcome=sent|dead_lettered|expired}
  CounterFamily& item_retries;   // {sink}: item sends repeated inside Deliver
  CounterFamily& batch_retries;  // {sink}: whole batches offered again after an error
  CounterFamily& failures;       // {sink, code}: failed Deliver calls by status code
  GaugeFamily& lag;              // {sink}: records stored but not yet delivered
  GaugeFamily& last_error_time;  // {sink}: Unix seconds of the last failure
};

struct SinkForwarderOptions {
  std::string name;       // the sink's name in the config; labels its metrics
  std::string state_dir;  // holds "cursor" and "dead-letters.jsonl"; created if missing
  size_t batch_records = 500;
  Duration initial_backoff = std::chrono::milliseconds(500);
  Duration max_backoff = std::chrono::seconds(60);
  Duration idle_wait = std::chrono::milliseconds(500);  // longest wait for new records
};

struct SinkForwarderStats {
  uint64_t cursor = 0;  // id of the last record delivered or dead-lettered
  uint64_t lag = 0;
  uint64_t sent = 0;
  uint64_t dead_lettered = 0;
  uint64_t expired = 0;  // deleted by the store's size limit before they were delivered
  uint64_t item_retries = 0;
  uint64_t batch_retries = 0;
  uint64_t consecutive_failures = 0;
  std::string last_error;  // "" when none yet
  int64_t last_error_ms = 0;
};

class SinkForwarder {
 public:
  // `store`, `clock` and `metrics` (may be null) must outlive the forwarder.
  // `random01` gives the jitter, uniform in [0, 1); defaults to a PRNG.
  static Result<std::unique_ptr<SinkForwarder>> Create(LogStore& store, std::unique_ptr<LogSink> sink,
                                                       SinkForwarderOptions options, Clock& clock, SinkMetrics* metrics,
                                                       std::function<double()> random01 = nullptr);
  ~SinkForwarder();

  enum class Outcome { kDelivered, kIdle, kFailed };
  struct StepResult {
    Outcome outcome;
    Duration wait;  // before the next step: 0 when more records wait, the backoff after a failure
  };
  // Delivers the next batch after the cursor, if any.
  StepResult Step();

  void Start();
  // Waits for an in-flight Deliver to return.
  void Stop();

  SinkForwarderStats Stats() const;
  const DeadLetterLog& dead_letters() const { return *dead_letters_; }
  const std::string& name() const { return options_.name; }
  std::string_view kind() const { return sink_->Kind(); }

 private:
  SinkForwarder(LogStore& store, std::unique_ptr<LogSink> sink, SinkForwarderOptions options, Clock& clock,
                SinkMetrics* metrics, std::function<double()> random01);
  void Run();
  void Fail(const Status& status);
  // Moves `cursor` past records the store deleted before they were
  // delivered (its size limit), persisting and counting them as expired.
  Status SkipExpired(uint64_t& cursor);
  void UpdateLag();

  LogStore& store_;
  std::unique_ptr<LogSink> sink_;
  SinkForwarderOptions options_;
  Clock& clock_;
  SinkMetrics* metrics_;
  std::function<double()> random01_;
  std::unique_ptr<DeadLetterLog> dead_letters_;
  std::string cursor_path_;

  mutable std::mutex mu_;  // guards stats_
  SinkForwarderStats stats_;

  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The cursor file: the id as decimal text and a newline; missing = 0.
Result<uint64_t> ReadSinkCursor(const std::string& path);
Status WriteSinkCursor(const std::string& path, uint64_t id);

}  // namespace kelola
