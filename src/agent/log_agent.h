// LogAgent: the agent's pipeline: inputs (files, syslog, stdin) -> parsers,
// labels and filters (one RecordProcessor per input) -> bounded memory queue
// -> batches -> BatchSender, with acknowledgement-driven checkpoints.
//
//   - A file record a filter drops is not sent, but its bytes still count
//     for the checkpoint: its end offset is carried by the record of the
//     same file before it (or acknowledged at once when none is pending).
//   - An agent whose only input is stdin is finished() once stdin ended and
//     everything was acknowledged; Run() then returns.
//   - Queued records (struct, strings, fields: their memory, not just their
//     text) and in-flight frames take at most about buffer_max_bytes; when
//     that is used up the inputs are polled with a zero budget, i.e. reading
//     pauses and nothing is dropped. Inputs are read in bites of at most
//     1 MiB. A batch in flight keeps only its frame and, per file stream,
//     the end offset its acknowledgement checkpoints.
//   - One frame is sent at a time and batches are acknowledged in the order
//     they were cut, so records of a file leave and are stored in order. A
//     batch is cut at batch_max_records / batch_max_bytes, or when its oldest
//     record waited batch_max_wait.
//   - send_in_background (the daemon's mode): a BackgroundSender thread does
//     the HTTP call, and a second batch may be cut and encoded while the
//     first is being stored; Step() never blocks on the network. Otherwise
//     (tests) Step() sends synchronously with one batch in flight.
//   - Not acknowledged (network, 5xx, refused token): the same frame is sent
//     again after exponential backoff with full jitter, forever.
//   - Acknowledged: every record's (stream, end offset) is acknowledged to
//     the tailer and the checkpoints are saved, in that order.
//   - A frame the server will never accept (400/413) is counted as dropped
//     and skipped, so one bad batch cannot stop the agent.
//
// Thread-safety: Step() is called by one thread (Run's); Stop() and the
// metrics may be used from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>

#include "agent/agent_config.h"
#include "agent/background_sender.h"
#include "agent/batch_sender.h"
#include "agent/disk_buffer.h"
#include "agent/log_input.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "logs/checkpoint_store.h"
#include "logs/file_tailer.h"
#include "logs/record_processor.h"

namespace kelola {

class LogAgent {
 public:
  // Opens (creating) data_dir and its checkpoints. `sender`, `clock` and
  // `metrics` must outlive the agent.
  static Result<std::unique_ptr<LogAgent>> Create(AgentOptions options, BatchSender& sender, Clock& clock,
                                                  MetricsRegistry& metrics);
  ~LogAgent();

  // One round: read into the queue, cut a batch, send it if the backoff
  // allows. Returns true when something happened (so Run does not wait).
  // An error is returned only when checkpoints cannot be saved.
  Result<bool> Step();
  // Steps until Stop(), waiting poll_interval (or the backoff) when idle.
  Status Run();
  void Stop();

  size_t queued_records() const { return queue_.size(); }
  // Batches cut and not yet acknowledged (sent, being sent or waiting).
  size_t batches_in_flight() const { return batches_.size(); }
  bool batch_in_flight() const { return !batches_.empty() || !disk_frame_.empty(); }
  bool finished() const;
  // The input of that section ("syslog", "stdin"), nullptr when not configured.
  LogInput* input(const std::string& name) const;

 private:
  LogAgent(AgentOptions options, BatchSender& sender, Clock& clock, MetricsRegistry& metrics,
           std::unique_ptr<CheckpointStore> checkpoints);
  struct Input {
    std::unique_ptr<LogInput> source;
    std::unique_ptr<RecordProcessor> processor;
    RecordProcessorCounters reported;  // already added to the metrics
  };
  void Read();
  void Admit(std::vector<LogRecord>& records, RecordProcessor& processor, bool from_file);
  void SkipFiltered(const LogRecord& record);
  void ReportInputCounters(const std::string& name, const RecordProcessor& processor,
                           RecordProcessorCounters& reported);
  // A batch cut from the queue: its records (for acknowledgements) and frame.
  struct Batch {
    size_t count = 0;        // records
    uint64_t first_seq = 0;  // sequence number of its first record
    // Per stream, in order of appearance: the end offset to acknowledge.
    std::vector<std::pair<std::string, uint64_t>> acks;
    std::string frame;  // empty when it could not be encoded
  };
  static size_t BatchMemory(const Batch& b) {
    return sizeof(Batch) + b.frame.capacity() + b.acks.capacity() * (sizeof(b.acks[0]) + 24);
  }
  // Bytes the inputs may read now (see buffer_max_bytes above).
  size_t ReadBudget() const;
  void CutBatches();
  void CutBatch();
  Status SendBatch();
  // Background mode: collects the result of the frame being sent and starts
  // the next one when the backoff allows.
  Result<bool> SendInBackground();
  // The front batch's send returned `s`: acknowledge, drop or back off.
  Status FinishFront(const Status& s);
  // Disk-buffer mode: append the cut batch to the buffer; sync and
  // acknowledge inputs per the fsync policy; send the oldest buffered frame.
  Status SpoolBatch();
  Status SyncSpooled(bool force);
  Status SendBuffered();
  Duration NextBackoff(const Status& s);
  void UpdateGauges();

  AgentOptions options_;
  BatchSender& sender_;
  Clock& clock_;
  std::unique_ptr<CheckpointStore> checkpoints_;
  std::unique_ptr<FileTailer> tailer_;  // null without file.include
  std::unique_ptr<RecordProcessor> file_processor_;
  RecordProcessorCounters file_reported_;
  std::vector<Input> inputs_;
  // Sequence numbers of queued and in-flight records, for SkipFiltered.
  uint64_t queue_front_seq_ = 0;
  std::unordered_map<std::string, uint64_t> last_seq_;  // file stream -> its last queued record

  std::deque<LogRecord> queue_;
  size_t queue_bytes_ = 0;   // record text queued (for batch_max_bytes)
  size_t queue_memory_ = 0;  // what queued records take in memory
  MonoTime oldest_queued_{};
  std::deque<Batch> batches_;            // oldest first; the front one is being sent
  size_t in_flight_memory_ = 0;          // BatchMemory of batches_
  std::vector<LogRecord> read_scratch_;  // reused by Read()
  int attempt_ = 0;
  MonoTime next_attempt_{};
  std::mt19937_64 rng_{std::random_device{}()};

  std::unique_ptr<DiskBuffer> disk_;
  std::vector<std::pair<std::string, uint64_t>> unsynced_acks_;  // (stream, end offset) spooled, not yet synced
  MonoTime next_sync_{};
  bool spool_unsynced_ = false;                 // appended to the disk buffer since the last sync
  std::map<uint64_t, size_t> spooled_records_;  // seq -> record count, for frames spooled by this process
  uint64_t disk_seq_ = 0;                       // the buffered frame being sent
  std::string disk_frame_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  bool wake_ = false;  // guarded by stop_mu_: a background send returned

  Counter& lines_read_;
  Counter& records_sent_;
  Counter& records_acked_;
  Counter& batches_retried_;
  Counter& records_dropped_;
  CounterFamily& records_parsed_;
  CounterFamily& records_unparsed_;
  CounterFamily& records_filtered_;
  Gauge& buffer_bytes_;
  Gauge& disk_buffer_bytes_;
  Gauge& disk_buffer_corrupt_;
  GaugeFamily& file_lag_;

  // Last: its thread uses the members above until it is joined.
  std::unique_ptr<BackgroundSender> background_;  // send_in_background without a disk buffer
};

}  // namespace kelola
