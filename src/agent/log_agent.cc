#include "agent/log_agent.h"

#include <filesystem>

#include "agent/stdin_input.h"
#include "agent/syslog_input.h"
#include "base/logging.h"
#include "logs/log_frame.h"
#include "net/backoff.h"

namespace kelola {
namespace {

constexpr size_t kReadBite = 1 << 20;

// What a queued record costs in memory, roughly: the struct, its strings'
// heap blocks (beyond the inline buffer) and its fields' map nodes.
size_t StringHeap(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }
size_t RecordMemory(const LogRecord& r) {
  size_t n =
      sizeof(LogRecord) + 16 + StringHeap(r.stream_id) + StringHeap(r.path) + StringHeap(r.text) + StringHeap(r.level);
  for (const auto& [k, v] : r.fields) n += 64 + StringHeap(k) + StringHeap(v) + 2 * sizeof(std::string);
  return n;
}

}  // namespace

Result<std::unique_ptr<LogAgent>> LogAgent::Create(AgentOptions options, BatchSender& sender, Clock& clock,
                                                   MetricsRegistry& metrics) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return InvalidArgumentError("data_dir " + options.data_dir + ": " + ec.message());
  KELOLA_ASSIGN_OR_RETURN(CheckpointStore cps, CheckpointStore::Open(options.data_dir + "/checkpoints"));
  auto checkpoints = std::make_unique<CheckpointStore>(std::move(cps));
  std::unique_ptr<LogAgent> agent(new LogAgent(std::move(options), sender, clock, metrics, std::move(checkpoints)));
  const AgentOptions& o = agent->options_;
  if (!o.file.include.empty()) {
    KELOLA_ASSIGN_OR_RETURN(agent->tailer_, FileTailer::Create(o.file, *agent->checkpoints_, clock));
  }
  KELOLA_ASSIGN_OR_RETURN(agent->file_processor_, RecordProcessor::Create(o.file_processing));
  if (!o.syslog.udp_listen.empty() || !o.syslog.tcp_listen.empty()) {
    KELOLA_ASSIGN_OR_RETURN(auto syslog, SyslogInput::Create(o.syslog, clock, &metrics));
    KELOLA_ASSIGN_OR_RETURN(auto processor, RecordProcessor::Create(o.syslog_processing));
    agent->inputs_.push_back({std::move(syslog), std::move(processor), {}});
  }
  if (o.stdin_enabled) {
    KELOLA_ASSIGN_OR_RETURN(auto processor, RecordProcessor::Create(o.stdin_processing));
    agent->inputs_.push_back(
        {std::make_unique<StdinInput>(o.stdin_fd, o.file.max_line_bytes, clock), std::move(processor), {}});
  }
  if (o.disk_buffer.enabled) {
    KELOLA_ASSIGN_OR_RETURN(agent->disk_, DiskBuffer::Open({.dir = o.data_dir + "/buffer",
                                                            .max_bytes = o.disk_buffer.max_bytes,
                                                            .segment_max_bytes = o.disk_buffer.segment_max_bytes,
                                                            .fsync = o.disk_buffer.fsync}));
  }
  if (o.send_in_background && !o.disk_buffer.enabled) {
    LogAgent* a = agent.get();
    agent->background_ = std::make_unique<BackgroundSender>(sender, [a] {
      std::lock_guard<std::mutex> lock(a->stop_mu_);
      a->wake_ = true;
      a->stop_cv_.notify_all();
    });
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
      records_parsed_(metrics.AddCounter("kelola_agent_records_parsed_total",
                                         "Records the input's parser extracted fields from.", {"input"})),
      records_unparsed_(metrics.AddCounter("kelola_agent_records_unparsed_total",
                                           "Records the input's parser could not parse (kept as raw text).",
                                           {"input"})),
      records_filtered_(metrics.AddCounter("kelola_agent_records_filtered_total",
                                           "Records dropped by a filter of the input's configuration.", {"input"})),
      buffer_bytes_(metrics
                        .AddGauge("kelola_agent_buffer_bytes",
                                  "Memory held by queued records and in-flight frames (bounded by buffer.max_bytes).")
                        .Get()),
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

size_t LogAgent::ReadBudget() const {
  size_t used = queue_memory_ + in_flight_memory_;
  if (used >= options_.buffer_max_bytes) return 0;
  // A bounded bite per poll: the records read are held twice for a moment
  // (read vector, queue), and the queue's bound is checked between bites.
  return std::min(options_.buffer_max_bytes - used, kReadBite);
}

void LogAgent::Read() {
  std::vector<LogRecord>& records = read_scratch_;
  records.clear();
  if (tailer_) {
    Status s = tailer_->Poll(ReadBudget(), records);
    if (!s.ok()) LogError("file input: saving checkpoints failed", {{"error", s.ToString()}});
    Admit(records, *file_processor_, true);
  }
  for (auto& in : inputs_) {
    records.clear();
    Status s = in.source->Poll(ReadBudget(), records);
    if (!s.ok()) LogError(in.source->name() + " input failed", {{"error", s.ToString()}});
    Admit(records, *in.processor, false);
  }
}

void LogAgent::Admit(std::vector<LogRecord>& records, RecordProcessor& processor, bool from_file) {
  if (records.empty()) return;
  if (queue_.empty()) oldest_queued_ = clock_.Monotonic();
  lines_read_.Inc(static_cast<double>(records.size()));
  const int64_t now_ms = UnixMillis(clock_.Now());
  const std::string* run_stream = nullptr;  // records of a file come in runs: look its entry up once per run
  uint64_t* run_seq = nullptr;
  for (auto& r : records) {
    if (!processor.Process(r, now_ms)) {
      if (from_file) SkipFiltered(r);
      continue;
    }
    if (from_file) {
      if (run_stream == nullptr || *run_stream != r.stream_id) {
        auto it = last_seq_.try_emplace(r.stream_id, 0).first;
        run_stream = &it->first;  // the map's key: `r` is moved away below
        run_seq = &it->second;
      }
      *run_seq = queue_front_seq_ + queue_.size();
    }
    queue_bytes_ += r.text.size();
    queue_memory_ += RecordMemory(r);
    queue_.push_back(std::move(r));
  }
}

void LogAgent::SkipFiltered(const LogRecord& r) {
  auto it = last_seq_.find(r.stream_id);
  if (it != last_seq_.end()) {
    uint64_t seq = it->second;
    if (seq >= queue_front_seq_ && seq - queue_front_seq_ < queue_.size()) {
      LogRecord& carrier = queue_[seq - queue_front_seq_];
      carrier.end_offset = std::max(carrier.end_offset, r.end_offset);
      return;
    }
    // A batch's frame is already encoded; the carrier's end offset only
    // decides what its acknowledgement checkpoints.
    for (auto& b : batches_) {
      if (seq >= b.first_seq && seq - b.first_seq < b.count) {
        for (auto& [stream, end] : b.acks) {
          if (stream == r.stream_id) end = std::max(end, r.end_offset);
        }
        return;
      }
    }
  }
  // Everything of this file before the record left memory: acknowledge it
  // with the spooled records that may still wait for their disk sync.
  if (disk_ && spool_unsynced_) {
    unsynced_acks_.emplace_back(r.stream_id, r.end_offset);
    return;
  }
  tailer_->Acknowledge(r.stream_id, r.end_offset);
}

void LogAgent::CutBatches() {
  const size_t slots = background_ ? 2 : 1;  // one being stored, the next encoded meanwhile
  while (batches_.size() < slots) {
    size_t before = batches_.size();
    CutBatch();
    if (batches_.size() == before) return;
  }
}

void LogAgent::CutBatch() {
  if (queue_.empty()) return;
  // Reading pauses while the buffer is (all but a read chunk) used up:
  // waiting would not fill the batch, only stall until batch_max_wait.
  const size_t margin = std::min<size_t>(options_.buffer_max_bytes / 4, 64 * 1024);
  bool full = queue_.size() >= options_.batch_max_records || queue_bytes_ >= options_.batch_max_bytes ||
              queue_memory_ + in_flight_memory_ + margin >= options_.buffer_max_bytes;
  bool waited = clock_.Monotonic() - oldest_queued_ >= options_.batch_max_wait;
  if (!full && !waited && !stopping_) return;
  Batch b;
  b.first_seq = queue_front_seq_;
  LogBatch batch;
  batch.agent = options_.name;
  batch.labels = options_.labels;
  batch.records.reserve(std::min(queue_.size(), options_.batch_max_records));
  size_t text_bytes = 0;
  while (!queue_.empty() && batch.records.size() < options_.batch_max_records &&
         (batch.records.empty() || text_bytes + queue_.front().text.size() <= options_.batch_max_bytes)) {
    LogRecord& r = queue_.front();
    text_bytes += r.text.size();
    queue_memory_ -= RecordMemory(r);
    // What the acknowledgement checkpoints: per file stream, its last record's end.
    if (b.acks.empty() || b.acks.back().first != r.stream_id) {
      auto same = std::find_if(b.acks.begin(), b.acks.end(), [&](const auto& a) { return a.first == r.stream_id; });
      if (same == b.acks.end()) {
        b.acks.emplace_back(r.stream_id, r.end_offset);
      } else {
        same->second = std::max(same->second, r.end_offset);
      }
    } else {
      b.acks.back().second = std::max(b.acks.back().second, r.end_offset);
    }
    batch.records.push_back(std::move(r));
    queue_.pop_front();
    ++queue_front_seq_;
  }
  b.count = batch.records.size();
  queue_bytes_ -= text_bytes;
  if (!queue_.empty()) oldest_queued_ = clock_.Monotonic();
  // Only the frame stays in memory while the batch is in flight.
  auto frame = EncodeFrame(batch, options_.compression_level);
  batch.records.clear();
  batch.records.shrink_to_fit();
  if (!frame.ok()) {
    // Only a >4 GiB batch gets here, which the limits above prevent.
    LogError("encoding a batch failed", {{"error", frame.status().ToString()}});
  } else {
    b.frame = std::move(*frame);
  }
  in_flight_memory_ += BatchMemory(b);
  if (!disk_ && batches_.empty()) {  // with the disk buffer, the backoff belongs to the buffered frame being sent
    attempt_ = 0;
    next_attempt_ = clock_.Monotonic();
  }
  records_sent_.Inc(static_cast<double>(b.count));
  batches_.push_back(std::move(b));
}

Status LogAgent::SendBatch() {
  const Batch& b = batches_.front();
  return FinishFront(b.frame.empty() ? InvalidArgumentError("batch could not be encoded") : sender_.Send(b.frame));
}

Result<bool> LogAgent::SendInBackground() {
  bool progress = false;
  if (background_->busy()) {
    std::optional<Status> s = background_->TakeResult();
    if (!s) return false;  // still being stored
    KELOLA_RETURN_IF_ERROR(FinishFront(*s));
    progress = true;
  }
  while (!batches_.empty() && clock_.Monotonic() >= next_attempt_) {
    if (batches_.front().frame.empty()) {
      KELOLA_RETURN_IF_ERROR(FinishFront(InvalidArgumentError("batch could not be encoded")));
      progress = true;
      continue;
    }
    background_->Start(batches_.front().frame);
    return true;
  }
  return progress;
}

Status LogAgent::FinishFront(const Status& s) {
  Batch& b = batches_.front();
  if (!s.ok() && s.code() != StatusCode::kInvalidArgument) {
    next_attempt_ = clock_.Monotonic() + NextBackoff(s);
    batches_retried_.Inc(static_cast<double>(b.count));
    return OkStatus();
  }
  if (s.ok()) {
    records_acked_.Inc(static_cast<double>(b.count));
  } else {
    records_dropped_.Inc(static_cast<double>(b.count));
    LogError("server rejected a batch; its records are dropped",
             {{"records", std::to_string(b.count)}, {"error", s.ToString()}});
  }
  in_flight_memory_ -= BatchMemory(b);
  Batch done = std::move(b);
  batches_.pop_front();
  if (!disk_) {  // the next batch starts without backoff
    attempt_ = 0;
    next_attempt_ = clock_.Monotonic();
  }
  if (!tailer_) return OkStatus();
  // Batches finish in the order they were cut, so a file's checkpoint only moves forward.
  for (const auto& [stream, end] : done.acks) tailer_->Acknowledge(stream, end);
  return tailer_->CommitCheckpoints();
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
  if (batches_.empty() || disk_->full()) return OkStatus();
  Batch& b = batches_.front();
  if (b.frame.empty()) return SendBatch();  // cannot be encoded: counted as dropped there
  auto seq = disk_->Append(b.frame);
  if (!seq.ok()) {
    // Not appended: the batch stays in memory and is offered again.
    if (seq.status().code() != StatusCode::kResourceExhausted) {
      LogError("disk buffer: append failed", {{"error", seq.status().ToString()}});
    }
    return OkStatus();
  }
  spooled_records_[*seq] = b.count;
  spool_unsynced_ = true;
  if (tailer_) unsynced_acks_.insert(unsynced_acks_.end(), b.acks.begin(), b.acks.end());
  in_flight_memory_ -= BatchMemory(b);
  batches_.pop_front();
  return SyncSpooled(options_.disk_buffer.fsync != FsyncPolicy::kInterval);
}

Status LogAgent::SyncSpooled(bool force) {
  if (!spool_unsynced_) return OkStatus();
  if (!force && !stopping_ && clock_.Monotonic() < next_sync_) return OkStatus();
  Status synced = disk_->Sync();
  if (!synced.ok()) {
    LogError("disk buffer: fsync failed; inputs not advanced", {{"error", synced.ToString()}});
    return OkStatus();
  }
  next_sync_ = clock_.Monotonic() + options_.disk_buffer.fsync_interval;
  spool_unsynced_ = false;
  if (!tailer_) return OkStatus();
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

void LogAgent::ReportInputCounters(const std::string& name, const RecordProcessor& processor,
                                   RecordProcessorCounters& reported) {
  const RecordProcessorCounters& now = processor.counters();
  if (now.parsed != reported.parsed) records_parsed_.WithLabels({name}).Inc(double(now.parsed - reported.parsed));
  if (now.unparsed != reported.unparsed) {
    records_unparsed_.WithLabels({name}).Inc(double(now.unparsed - reported.unparsed));
  }
  if (now.filtered != reported.filtered) {
    records_filtered_.WithLabels({name}).Inc(double(now.filtered - reported.filtered));
  }
  reported = now;
}

void LogAgent::UpdateGauges() {
  buffer_bytes_.Set(static_cast<double>(queue_memory_ + in_flight_memory_));
  if (disk_) {
    DiskBufferStats stats = disk_->Stats();
    disk_buffer_bytes_.Set(static_cast<double>(stats.bytes));
    disk_buffer_corrupt_.Set(static_cast<double>(stats.corrupt_entries));
  }
  ReportInputCounters("file", *file_processor_, file_reported_);
  for (auto& in : inputs_) ReportInputCounters(in.source->name(), *in.processor, in.reported);
  if (!tailer_) return;
  for (const auto& f : tailer_->Files()) {
    file_lag_.WithLabels({f.path}).Set(static_cast<double>(f.size > f.acked_offset ? f.size - f.acked_offset : 0));
  }
}

Result<bool> LogAgent::Step() {
  size_t before = queue_.size();
  Read();
  bool progress = queue_.size() != before;
  CutBatches();
  if (disk_) {
    bool had_batch = !batches_.empty();
    KELOLA_RETURN_IF_ERROR(SpoolBatch());
    KELOLA_RETURN_IF_ERROR(SyncSpooled(false));
    uint64_t before_bytes = disk_->Stats().bytes;
    KELOLA_RETURN_IF_ERROR(SendBuffered());
    progress = progress || (had_batch && batches_.empty()) || disk_->Stats().bytes != before_bytes;
  } else if (background_) {
    KELOLA_ASSIGN_OR_RETURN(bool sent, SendInBackground());
    progress = progress || sent;
    CutBatches();  // refill the slot an acknowledgement freed while the next frame is stored
  } else if (!batches_.empty() && clock_.Monotonic() >= next_attempt_) {
    size_t batches = batches_.size();
    KELOLA_RETURN_IF_ERROR(SendBatch());
    progress = progress || batches_.size() < batches;
  }
  UpdateGauges();
  return progress;
}

bool LogAgent::finished() const {
  if (tailer_ || inputs_.empty() || !queue_.empty() || !batches_.empty()) return false;
  if (disk_ && !disk_->empty()) return false;
  for (const auto& in : inputs_) {
    if (!in.source->finished()) return false;
  }
  return true;
}

LogInput* LogAgent::input(const std::string& name) const {
  for (const auto& in : inputs_) {
    if (in.source->name() == name) return in.source.get();
  }
  return nullptr;
}

Status LogAgent::Run() {
  while (!stopping_) {
    KELOLA_ASSIGN_OR_RETURN(bool progress, Step());
    if (finished()) return OkStatus();
    if (progress) continue;
    MonoTime wake = clock_.Monotonic() + options_.poll_interval;
    // A frame being sent in the background wakes the loop when it returns.
    bool sending = background_ && background_->busy();
    if (batch_in_flight() && !sending) wake = std::min(wake, std::max(next_attempt_, clock_.Monotonic()));
    if (spool_unsynced_) wake = std::min(wake, std::max(next_sync_, clock_.Monotonic()));
    std::unique_lock<std::mutex> lock(stop_mu_);
    if (!stopping_ && !wake_) clock_.WaitUntil(lock, stop_cv_, wake);
    wake_ = false;
  }
  // A frame still being sent: take its answer, so an acknowledgement is checkpointed.
  if (background_ && background_->busy()) KELOLA_RETURN_IF_ERROR(FinishFront(background_->Wait()));
  if (disk_) KELOLA_RETURN_IF_ERROR(SyncSpooled(true));
  return tailer_ ? tailer_->CommitCheckpoints() : OkStatus();
}

void LogAgent::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

}  // namespace kelola
