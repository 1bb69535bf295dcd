#include "agent/log_agent.h"

#include <filesystem>

#include "base/logging.h"
#include "logs/log_frame.h"
#include "net/backoff.h"

namespace kelola {

Result<std::unique_ptr<LogAgent>> LogAgent::Create(AgentOptions options, BatchSender& sender, Clock& clock,
                                                   MetricsRegistry& metrics) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return InvalidArgumentError("data_dir " + options.data_dir + ": " + ec.message());
  KELOLA_ASSIGN_OR_RETURN(CheckpointStore cps, CheckpointStore::Open(options.data_dir + "/checkpoints"));
  auto checkpoints = std::make_unique<CheckpointStore>(std::move(cps));
  std::unique_ptr<LogAgent> agent(new LogAgent(std::move(options), sender, clock, metrics, std::move(checkpoints)));
  KELOLA_ASSIGN_OR_RETURN(agent->tailer_, FileTailer::Create(agent->options_.file, *agent->checkpoints_, clock));
  if (agent->options_.disk_buffer.enabled) {
    const AgentDiskBufferOptions& d = agent->options_.disk_buffer;
    KELOLA_ASSIGN_OR_RETURN(agent->disk_, DiskBuffer::Open({.dir = agent->options_.data_dir + "/buffer",
                                                            .max_bytes = d.max_bytes,
                                                            .segment_max_bytes = d.segment_max_bytes,
                                                            .fsync = d.fsync}));
  }
  return agent;
}

LogAgent::LogAgent(AgentOptions options, BatchSender& sender, Clock& clock, MetricsRegistry& metrics,
                   std::unique_ptr<CheckpointStore> checkpoints)
    : options_(std::move(options)),
      sender_(sender),
      clock_(clock),
      checkpoints_(std::move(checkpoints)),
      lines_read_(metrics.AddCounter("kelola_agent_lines_read_total", "Records read from inputs.").Get()),
      records_sent_(
          metrics.AddCounter("kelola_agent_records_sent_total", "Records sent to the server (first try).").Get()),
      records_acked_(
          metrics.AddCounter("kelola_agent_records_acked_total", "Records the server acknowledged as stored.").Get()),
      batches_retried_(metrics
                           .AddCounter("kelola_agent_records_retried_total",
                                       "Records sent again because a batch was not acknowledged.")
                           .Get()),
      records_dropped_(metrics
                           .AddCounter("kelola_agent_records_dropped_total",
                                       "Records given up on: only batches the server rejects as invalid.")
                           .Get()),
      buffer_bytes_(metrics.AddGauge("kelola_agent_buffer_bytes", "Bytes of record text queued or in flight.").Get()),
      disk_buffer_bytes_(
          metrics.AddGauge("kelola_agent_disk_buffer_bytes", "Bytes of frames in the disk buffer not yet acknowledged.")
              .Get()),
      disk_buffer_corrupt_(metrics
                               .AddGauge("kelola_agent_disk_buffer_corrupt_entries",
                                         "Disk buffer entries skipped because they were damaged on disk.")
                               .Get()),
      file_lag_(metrics.AddGauge("kelola_agent_file_lag_bytes", "Bytes of a file not yet acknowledged by the server.",
                                 {"path"})) {}

LogAgent::~LogAgent() = default;

void LogAgent::Read() {
  size_t used = queue_bytes_ + in_flight_bytes_;
  size_t budget = used >= options_.buffer_max_bytes ? 0 : options_.buffer_max_bytes - used;
  std::vector<LogRecord> records;
  Status s = tailer_->Poll(budget, records);
  if (!s.ok()) LogError("file input: saving checkpoints failed", {{"error", s.ToString()}});
  if (records.empty()) return;
  if (queue_.empty()) oldest_queued_ = clock_.Monotonic();
  lines_read_.Inc(static_cast<double>(records.size()));
  for (auto& r : records) {
    queue_bytes_ += r.text.size();
    queue_.push_back(std::move(r));
  }
}

void LogAgent::CutBatch() {
  if (!in_flight_.empty() || queue_.empty()) return;
  bool full = queue_.size() >= options_.batch_max_records || queue_bytes_ >= options_.batch_max_bytes;
  bool waited = clock_.Monotonic() - oldest_queued_ >= options_.batch_max_wait;
  if (!full && !waited && !stopping_) return;
  size_t bytes = 0;
  while (!queue_.empty() && in_flight_.size() < options_.batch_max_records &&
         (in_flight_.empty() || bytes + queue_.front().text.size() <= options_.batch_max_bytes)) {
    bytes += queue_.front().text.size();
    in_flight_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  queue_bytes_ -= bytes;
  in_flight_bytes_ = bytes;
  if (!queue_.empty()) oldest_queued_ = clock_.Monotonic();
  LogBatch batch;
  batch.agent = options_.name;
  batch.labels = options_.labels;
  batch.records = in_flight_;
  auto frame = EncodeFrame(batch, options_.compression_level);
  if (!frame.ok()) {
    // Only a >4 GiB batch gets here, which the limits above prevent.
    LogError("encoding a batch failed", {{"error", frame.status().ToString()}});
    frame_.clear();
  } else {
    frame_ = std::move(*frame);
  }
  if (!disk_) {  // with the disk buffer, the backoff belongs to the buffered frame being sent
    attempt_ = 0;
    next_attempt_ = clock_.Monotonic();
  }
  records_sent_.Inc(static_cast<double>(in_flight_.size()));
}

Status LogAgent::SendBatch() {
  Status s = frame_.empty() ? InvalidArgumentError("batch could not be encoded") : sender_.Send(frame_);
  if (s.ok() || s.code() == StatusCode::kInvalidArgument) {
    if (s.ok()) {
      records_acked_.Inc(static_cast<double>(in_flight_.size()));
    } else {
      records_dropped_.Inc(static_cast<double>(in_flight_.size()));
      LogError("server rejected a batch; its records are dropped",
               {{"records", std::to_string(in_flight_.size())}, {"error", s.ToString()}});
    }
    for (const auto& r : in_flight_) tailer_->Acknowledge(r.stream_id, r.end_offset);
    in_flight_.clear();
    in_flight_bytes_ = 0;
    frame_.clear();
    return tailer_->CommitCheckpoints();
  }
  next_attempt_ = clock_.Monotonic() + NextBackoff(s);
  batches_retried_.Inc(static_cast<double>(in_flight_.size()));
  return OkStatus();
}

Duration LogAgent::NextBackoff(const Status& s) {
  ++attempt_;
  if (attempt_ == 1 || attempt_ % 10 == 0) {
    LogWarn("batch not acknowledged; will retry", {{"attempt", std::to_string(attempt_)}, {"error", s.ToString()}});
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  return BackoffDelay(attempt_ - 1, options_.retry_initial, options_.retry_max, unit(rng_));
}

Status LogAgent::SpoolBatch() {
  if (in_flight_.empty() || disk_->full()) return OkStatus();
  if (frame_.empty()) return SendBatch();  // cannot be encoded: counted as dropped there
  auto seq = disk_->Append(frame_);
  if (!seq.ok()) {
    // Not appended: the batch stays in memory and is offered again.
    if (seq.status().code() != StatusCode::kResourceExhausted) {
      LogError("disk buffer: append failed", {{"error", seq.status().ToString()}});
    }
    return OkStatus();
  }
  spooled_records_[*seq] = in_flight_.size();
  for (const auto& r : in_flight_) unsynced_acks_.emplace_back(r.stream_id, r.end_offset);
  in_flight_.clear();
  in_flight_bytes_ = 0;
  frame_.clear();
  return SyncSpooled(options_.disk_buffer.fsync != FsyncPolicy::kInterval);
}

Status LogAgent::SyncSpooled(bool force) {
  if (unsynced_acks_.empty()) return OkStatus();
  if (!force && !stopping_ && clock_.Monotonic() < next_sync_) return OkStatus();
  Status synced = disk_->Sync();
  if (!synced.ok()) {
    LogError("disk buffer: fsync failed; inputs not advanced", {{"error", synced.ToString()}});
    return OkStatus();
  }
  next_sync_ = clock_.Monotonic() + options_.disk_buffer.fsync_interval;
  for (const auto& [stream, end] : unsynced_acks_) tailer_->Acknowledge(stream, end);
  unsynced_acks_.clear();
  return tailer_->CommitCheckpoints();
}

Status LogAgent::SendBuffered() {
  if (disk_frame_.empty()) {
    auto front = disk_->Front();
    if (!front.ok()) {
      LogError("disk buffer: read failed", {{"error", front.status().ToString()}});
      next_attempt_ = clock_.Monotonic() + NextBackoff(front.status());
      return OkStatus();
    }
    if (!front->has_value()) return OkStatus();
    disk_seq_ = (*front)->first;
    disk_frame_ = std::move((*front)->second);
    attempt_ = 0;
  }
  if (clock_.Monotonic() < next_attempt_) return OkStatus();
  Status s = sender_.Send(disk_frame_);
  if (!s.ok() && s.code() != StatusCode::kInvalidArgument) {
    next_attempt_ = clock_.Monotonic() + NextBackoff(s);
    return OkStatus();
  }
  size_t records = 0;
  if (auto it = spooled_records_.find(disk_seq_); it != spooled_records_.end()) {
    records = it->second;
    spooled_records_.erase(it);
  } else if (auto batch = DecodeFrame(disk_frame_); batch.ok()) {
    records = batch->records.size();  // spooled before a restart
  }
  if (s.ok()) {
    records_acked_.Inc(static_cast<double>(records));
  } else {
    records_dropped_.Inc(static_cast<double>(records));
    LogError("server rejected a buffered batch; its records are dropped",
             {{"records", std::to_string(records)}, {"error", s.ToString()}});
  }
  disk_frame_.clear();
  next_attempt_ = clock_.Monotonic();
  return disk_->PopFront();
}

void LogAgent::UpdateGauges() {
  buffer_bytes_.Set(static_cast<double>(queue_bytes_ + in_flight_bytes_));
  if (disk_) {
    DiskBufferStats stats = disk_->Stats();
    disk_buffer_bytes_.Set(static_cast<double>(stats.bytes));
    disk_buffer_corrupt_.Set(static_cast<double>(stats.corrupt_entries));
  }
  for (const auto& f : tailer_->Files()) {
    file_lag_.WithLabels({f.path}).Set(static_cast<double>(f.size > f.acked_offset ? f.size - f.acked_offset : 0));
  }
}

Result<bool> LogAgent::Step() {
  size_t before = queue_.size();
  Read();
  bool progress = queue_.size() != before;
  CutBatch();
  if (disk_) {
    bool had_batch = !in_flight_.empty();
    KELOLA_RETURN_IF_ERROR(SpoolBatch());
    KELOLA_RETURN_IF_ERROR(SyncSpooled(false));
    uint64_t before_bytes = disk_->Stats().bytes;
    KELOLA_RETURN_IF_ERROR(SendBuffered());
    progress = progress || (had_batch && in_flight_.empty()) || disk_->Stats().bytes != before_bytes;
  } else if (!in_flight_.empty() && clock_.Monotonic() >= next_attempt_) {
    KELOLA_RETURN_IF_ERROR(SendBatch());
    progress = progress || in_flight_.empty();
  }
  UpdateGauges();
  return progress;
}

Status LogAgent::Run() {
  while (!stopping_) {
    KELOLA_ASSIGN_OR_RETURN(bool progress, Step());
    if (progress) continue;
    MonoTime wake = clock_.Monotonic() + options_.poll_interval;
    if (batch_in_flight()) wake = std::min(wake, std::max(next_attempt_, clock_.Monotonic()));
    if (!unsynced_acks_.empty()) wake = std::min(wake, std::max(next_sync_, clock_.Monotonic()));
    std::unique_lock<std::mutex> lock(stop_mu_);
    if (!stopping_) clock_.WaitUntil(lock, stop_cv_, wake);
  }
  if (disk_) KELOLA_RETURN_IF_ERROR(SyncSpooled(true));
  return tailer_->CommitCheckpoints();
}

void LogAgent::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

}  // namespace kelola
