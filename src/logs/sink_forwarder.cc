#include "logs/sink_forwarder.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "base/logging.h"
#include "logs/checkpoint_store.h"

namespace kelola {

SinkMetrics::SinkMetrics(MetricsRegistry& r)
    : records(r.AddCounter("kelola_log_sink_records_total",
                           "Records a sink stored (sent) or refused for good (dead_lettered).", {"sink", "outcome"})),
      item_retries(r.AddCounter("kelola_log_sink_item_retries_total",
                                "Items a sink sent again inside one delivery (e.g. _bulk items that got 429).",
                                {"sink"})),
      batch_retries(r.AddCounter("kelola_log_sink_batch_retries_total",
                                 "Batches offered to a sink again after a failed delivery.", {"sink"})),
      failures(r.AddCounter("kelola_log_sink_failures_total", "Failed deliveries, by status code.", {"sink", "code"})),
      lag(r.AddGauge("kelola_log_sink_lag_records", "Records stored but not yet delivered to the sink.", {"sink"})),
      last_error_time(r.AddGauge("kelola_log_sink_last_error_timestamp_seconds",
                                 "Unix time of the sink's last failed delivery.", {"sink"})) {}

Result<uint64_t> ReadSinkCursor(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return uint64_t{0};
    return InternalError("opening " + path);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return DataLossError(path + ": expected a record id, got \"" + text.substr(0, 40) + "\"");
  }
  return id;
}

Status WriteSinkCursor(const std::string& path, uint64_t id) {
  return WriteFileDurably(path, std::to_string(id) + "\n");
}

Result<std::unique_ptr<SinkForwarder>> SinkForwarder::Create(LogStore& store, std::unique_ptr<LogSink> sink,
                                                             SinkForwarderOptions options, Clock& clock,
                                                             SinkMetrics* metrics, std::function<double()> random01) {
  if (options.name.empty()) return InvalidArgumentError("sink forwarder: empty name");
  if (options.batch_records == 0) return InvalidArgumentError("sink " + options.name + ": batch_records must be > 0");
  std::error_code ec;
  std::filesystem::create_directories(options.state_dir, ec);
  if (ec) return InternalError("sink " + options.name + ": creating " + options.state_dir + ": " + ec.message());
  if (!random01) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random01 = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
  std::unique_ptr<SinkForwarder> f(
      new SinkForwarder(store, std::move(sink), std::move(options), clock, metrics, std::move(random01)));
  f->cursor_path_ = f->options_.state_dir + "/cursor";
  KELOLA_ASSIGN_OR_RETURN(f->stats_.cursor, ReadSinkCursor(f->cursor_path_));
  f->store_.HoldRetention(f->options_.name, f->stats_.cursor);
  KELOLA_ASSIGN_OR_RETURN(f->dead_letters_,
                          DeadLetterLog::Open(f->options_.state_dir + "/dead-letters.jsonl", f->options_.name));
  f->UpdateLag();
  return f;
}

SinkForwarder::SinkForwarder(LogStore& store, std::unique_ptr<LogSink> sink, SinkForwarderOptions options, Clock& clock,
                             SinkMetrics* metrics, std::function<double()> random01)
    : store_(store),
      sink_(std::move(sink)),
      options_(std::move(options)),
      clock_(clock),
      metrics_(metrics),
      random01_(std::move(random01)) {}

SinkForwarder::~SinkForwarder() {
  Stop();
  store_.ReleaseRetention(options_.name);
}

Status SinkForwarder::SkipExpired(uint64_t& cursor) {
  uint64_t oldest = store_.Stats().first_id;
  if (cursor + 1 >= oldest) return OkStatus();
  uint64_t lost = oldest - 1 - cursor;
  KELOLA_RETURN_IF_ERROR(WriteSinkCursor(cursor_path_, oldest - 1));
  LogWarn("log records were deleted by the store's size limit before this sink delivered them",
          {{"sink", options_.name},
           {"records", std::to_string(lost)},
           {"first_id", std::to_string(cursor + 1)},
           {"last_id", std::to_string(oldest - 1)}});
  {
    std::lock_guard lock(mu_);
    stats_.cursor = oldest - 1;
    stats_.expired += lost;
  }
  if (metrics_) metrics_->records.WithLabels({options_.name, "expired"}).Inc(static_cast<double>(lost));
  store_.HoldRetention(options_.name, oldest - 1);
  cursor = oldest - 1;
  return OkStatus();
}

void SinkForwarder::UpdateLag() {
  uint64_t last = store_.Stats().next_id - 1;
  std::lock_guard lock(mu_);
  stats_.lag = last > stats_.cursor ? last - stats_.cursor : 0;
  if (metrics_) metrics_->lag.WithLabels({options_.name}).Set(static_cast<double>(stats_.lag));
}

void SinkForwarder::Fail(const Status& status) {
  int64_t now_ms = UnixMillis(clock_.Now());
  {
    std::lock_guard lock(mu_);
    ++stats_.consecutive_failures;
    ++stats_.batch_retries;
    stats_.last_error = status.ToString();
    stats_.last_error_ms = now_ms;
  }
  if (metrics_) {
    metrics_->failures.WithLabels({options_.name, std::string(StatusCodeName(status.code()))}).Inc();
    metrics_->batch_retries.WithLabels({options_.name}).Inc();
    metrics_->last_error_time.WithLabels({options_.name}).Set(static_cast<double>(now_ms) / 1000.0);
  }
  UpdateLag();
}

SinkForwarder::StepResult SinkForwarder::Step() {
  uint64_t cursor;
  {
    std::lock_guard lock(mu_);
    cursor = stats_.cursor;
  }
  LogQuery q;
  Status skipped = SkipExpired(cursor);
  q.after_id = cursor;
  q.limit = options_.batch_records;
  auto batch = store_.Query(q);
  auto backoff = [this] {
    uint64_t failures;
    {
      std::lock_guard lock(mu_);
      failures = stats_.consecutive_failures;
    }
    // Full jitter over min(max, initial * 2^(failures-1)).
    Duration cap = options_.max_backoff;
    Duration d = options_.initial_backoff;
    for (uint64_t i = 1; i < failures && d < cap; ++i) d *= 2;
    d = std::min(d, cap);
    return Duration(static_cast<Duration::rep>(static_cast<double>(d.count()) * random01_()));
  };
  if (!skipped.ok() || !batch.ok()) {
    Fail(skipped.ok() ? batch.status() : skipped);
    return {Outcome::kFailed, backoff()};
  }
  if (batch->records.empty()) {
    UpdateLag();
    return {Outcome::kIdle, options_.idle_wait};
  }
  auto delivery = sink_->Deliver(batch->records);
  if (!delivery.ok()) {
    Fail(delivery.status());
    LogWarn("log sink delivery failed; will retry", {{"sink", options_.name},
                                                     {"records", std::to_string(batch->records.size())},
                                                     {"error", delivery.status().ToString()}});
    return {Outcome::kFailed, backoff()};
  }
  Status persisted = dead_letters_->Append(delivery->dead_letters, batch->records, UnixMillis(clock_.Now()));
  if (persisted.ok()) persisted = WriteSinkCursor(cursor_path_, batch->last_id);
  if (!persisted.ok()) {
    // The destination has the records; offering them again is harmless.
    Fail(persisted);
    return {Outcome::kFailed, backoff()};
  }
  {
    std::lock_guard lock(mu_);
    stats_.cursor = batch->last_id;
    stats_.sent += delivery->sent;
    stats_.dead_lettered += delivery->dead_letters.size();
    stats_.item_retries += delivery->retried;
    stats_.consecutive_failures = 0;
  }
  store_.HoldRetention(options_.name, batch->last_id);
  if (metrics_) {
    metrics_->records.WithLabels({options_.name, "sent"}).Inc(static_cast<double>(delivery->sent));
    metrics_->records.WithLabels({options_.name, "dead_lettered"})
        .Inc(static_cast<double>(delivery->dead_letters.size()));
    metrics_->item_retries.WithLabels({options_.name}).Inc(static_cast<double>(delivery->retried));
  }
  UpdateLag();
  return {Outcome::kDelivered, Duration::zero()};
}

void SinkForwarder::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void SinkForwarder::Stop() {
  {
    std::lock_guard lock(wait_mu_);
    stop_ = true;
  }
  wait_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SinkForwarder::Run() {
  while (!stop_) {
    StepResult r = Step();
    if (stop_) break;
    if (r.outcome == Outcome::kIdle) {
      uint64_t cursor;
      {
        std::lock_guard lock(mu_);
        cursor = stats_.cursor;
      }
      store_.WaitForNewer(cursor, clock_.Monotonic() + r.wait);
    } else if (r.wait > Duration::zero()) {
      std::unique_lock lock(wait_mu_);
      MonoTime deadline = clock_.Monotonic() + r.wait;
      while (!stop_ && clock_.Monotonic() < deadline) clock_.WaitUntil(lock, wait_cv_, deadline);
    }
  }
}

SinkForwarderStats SinkForwarder::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace kelola
