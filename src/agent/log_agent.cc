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
  attempt_ = 0;
  next_attempt_ = clock_.Monotonic();
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
  ++attempt_;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Duration delay = BackoffDelay(attempt_ - 1, options_.retry_initial, options_.retry_max, unit(rng_));
  next_attempt_ = clock_.Monotonic() + delay;
  batches_retried_.Inc(static_cast<double>(in_flight_.size()));
  if (attempt_ == 1 || attempt_ % 10 == 0) {
    LogWarn("batch not acknowledged; will retry", {{"attempt", std::to_string(attempt_)}, {"error", s.ToString()}});
  }
  return OkStatus();
}

void LogAgent::UpdateGauges() {
  buffer_bytes_.Set(static_cast<double>(queue_bytes_ + in_flight_bytes_));
  for (const auto& f : tailer_->Files()) {
    file_lag_.WithLabels({f.path}).Set(static_cast<double>(f.size > f.acked_offset ? f.size - f.acked_offset : 0));
  }
}

Result<bool> LogAgent::Step() {
  size_t before = queue_.size();
  Read();
  bool progress = queue_.size() != before;
  CutBatch();
  if (!in_flight_.empty() && clock_.Monotonic() >= next_attempt_) {
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
    if (!in_flight_.empty()) wake = std::min(wake, std::max(next_attempt_, clock_.Monotonic()));
    std::unique_lock<std::mutex> lock(stop_mu_);
    if (!stopping_) clock_.WaitUntil(lock, stop_cv_, wake);
  }
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
