#include "logs/shared_log_feed.h"

#include <algorithm>
#include <filesystem>

#include "base/logging.h"
#include "logs/log_frame.h"
#include "logs/sink_forwarder.h"

namespace kelola {

struct SharedLogFeed::Metrics {
  explicit Metrics(MetricsRegistry& m)
      : batches(m.AddCounter("kelola_log_feed_batches_total",
                             "Shared log batches read by this replica: applied, malformed (skipped), or gone "
                             "(deleted by retention before this replica applied them).",
                             {"outcome"})),
        records(m.AddCounter("kelola_log_feed_records_total",
                             "Records of shared batches: stored here, or already here (duplicate).", {"outcome"})),
        applied_id(m.AddGauge("kelola_log_feed_applied_id", "The last shared log batch id this replica applied.")),
        lag(m.AddGauge("kelola_log_feed_lag_seconds",
                       "From a shared batch's insert to its application here, for the last batch applied.")),
        deleted(m.AddCounter("kelola_log_feed_rows_deleted_total",
                             "Shared log batches deleted by retention while this replica led it.")) {}
  CounterFamily& batches;
  CounterFamily& records;
  GaugeFamily& applied_id;
  GaugeFamily& lag;
  CounterFamily& deleted;
};

Result<std::unique_ptr<SharedLogFeed>> SharedLogFeed::Create(LogBatchTable& table, LogStore& store,
                                                             SharedLogFeedOptions options, Clock& clock,
                                                             MetricsRegistry* metrics) {
  if (options.cursor_path.empty()) return InvalidArgumentError("shared log feed: cursor_path is empty");
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(options.cursor_path, ec);
  KELOLA_ASSIGN_OR_RETURN(uint64_t applied, ReadSinkCursor(options.cursor_path));
  return std::unique_ptr<SharedLogFeed>(
      new SharedLogFeed(table, store, std::move(options), clock, metrics, static_cast<int64_t>(applied), fresh));
}

SharedLogFeed::SharedLogFeed(LogBatchTable& table, LogStore& store, SharedLogFeedOptions options, Clock& clock,
                             MetricsRegistry* metrics, int64_t applied, bool fresh)
    : table_(table),
      store_(store),
      options_(std::move(options)),
      clock_(clock),
      metrics_(metrics ? std::make_unique<Metrics>(*metrics) : nullptr),
      fresh_(fresh),
      applied_(applied) {
  stats_.applied_id = applied;
  applied_public_ = applied;
  if (metrics_) metrics_->applied_id.Get().Set(static_cast<double>(applied));
}

SharedLogFeed::~SharedLogFeed() { Stop(); }

Status SharedLogFeed::SaveCursor(int64_t applied) {
  KELOLA_RETURN_IF_ERROR(WriteSinkCursor(options_.cursor_path, static_cast<uint64_t>(applied)));
  std::lock_guard lock(mu_);
  stats_.applied_id = applied;
  if (metrics_) metrics_->applied_id.Get().Set(static_cast<double>(applied));
  return OkStatus();
}

void SharedLogFeed::SkipGap(int64_t first_present) {
  const int64_t missing = first_present - applied_ - 1;
  if (missing <= 0) return;
  LogFields fields{{"first_id", std::to_string(applied_ + 1)},
                   {"last_id", std::to_string(first_present - 1)},
                   {"batches", std::to_string(missing)}};
  if (fresh_ && applied_ == 0) {
    LogInfo(
        "shared log feed: a new replica starts at the oldest shared batch; older ones were deleted by "
        "retention (logs.shared.retention) and are not copied here",
        fields);
  } else {
    LogWarn(
        "shared log feed: gap: batches were deleted by retention (logs.shared.retention) before this replica "
        "applied them; their lines are not in this replica's log store (the other replicas and the sinks have "
        "them)",
        fields);
  }
  applied_ = first_present - 1;
  {
    std::lock_guard lock(mu_);
    stats_.gap_batches += static_cast<uint64_t>(missing);
    applied_public_ = applied_;
  }
  applied_cv_.notify_all();
  if (metrics_) metrics_->batches.WithLabels({"gone"}).Inc(static_cast<double>(missing));
}

void SharedLogFeed::Applied(int64_t id, const AppendResult& result) {
  {
    std::lock_guard lock(mu_);
    applied_public_ = id;
    recent_.emplace_back(id, result);
    if (recent_.size() > 4096) recent_.pop_front();
  }
  applied_cv_.notify_all();
}

Result<AppendResult> SharedLogFeed::WaitApplied(int64_t id, Duration timeout) {
  table_.Wake();
  std::unique_lock lock(mu_);
  const MonoTime deadline = clock_.Monotonic() + timeout;
  while (applied_public_ < id && !stop_ && clock_.Monotonic() < deadline) {
    clock_.WaitUntil(lock, applied_cv_, deadline);
  }
  if (applied_public_ < id) {
    return UnavailableError("shared log batch " + std::to_string(id) +
                            " is in PostgreSQL but was not applied to this replica's log store in time" +
                            (stats_.last_error.empty() ? "" : " (" + stats_.last_error + ")"));
  }
  for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
    if (it->first == id) return it->second;
  }
  return AppendResult{};  // applied long ago: its counts are no longer kept
}

Result<bool> SharedLogFeed::Step() {
  KELOLA_ASSIGN_OR_RETURN(auto rows, table_.ReadAfter(applied_, options_.page_batches, options_.page_bytes));
  const int64_t before = applied_;
  if (rows.empty()) {
    // Nothing after us: but if retention deleted everything up to the
    // newest id, the ids we missed are gone for good.
    KELOLA_ASSIGN_OR_RETURN(LogBatchTableBounds bounds, table_.Bounds());
    if (bounds.last_id < applied_) {
      // Ids went back: the database was restored from a backup (or the
      // table recreated). Start again from its oldest row; what is already
      // here is recognised by the store's offsets.
      LogWarn(
          "shared log feed: the table's last id is below this replica's applied id (database restored?); "
          "applying it again from its oldest row",
          {{"applied_id", std::to_string(applied_)}, {"table_last_id", std::to_string(bounds.last_id)}});
      applied_ = bounds.oldest_id > 0 ? bounds.oldest_id - 1 : bounds.last_id;
      {
        std::lock_guard lock(mu_);
        applied_public_ = applied_;
        recent_.clear();
      }
      KELOLA_RETURN_IF_ERROR(SaveCursor(applied_));
      return true;
    }
    if (bounds.oldest_id == 0 && bounds.last_id > applied_) {
      SkipGap(bounds.last_id + 1);
    } else if (bounds.oldest_id > applied_ + 1) {
      SkipGap(bounds.oldest_id);
    }
  } else {
    SkipGap(rows.front().id);
  }
  fresh_ = false;
  Status failed = OkStatus();
  for (const SharedLogBatch& row : rows) {
    if (row.id != applied_ + 1) SkipGap(row.id);  // deleted while we were reading
    auto batch = DecodeFrame(row.payload);
    if (!batch.ok()) {
      LogError("shared log feed: a shared batch does not decode; skipped",
               {{"id", std::to_string(row.id)}, {"origin", row.origin}, {"error", batch.status().ToString()}});
      {
        std::lock_guard lock(mu_);
        ++stats_.malformed_batches;
      }
      if (metrics_) metrics_->batches.WithLabels({"malformed"}).Inc();
      applied_ = row.id;
      Applied(row.id, AppendResult{});
      continue;
    }
    std::optional<CompressedPayload> as_sent = StorableFramePayload(row.payload);
    auto appended = store_.Append(*batch, as_sent ? &*as_sent : nullptr);
    if (!appended.ok()) {
      failed = appended.status().WithContext("applying shared log batch " + std::to_string(row.id));
      break;
    }
    applied_ = row.id;
    Applied(row.id, *appended);
    const int64_t lag_ms = std::max<int64_t>(0, UnixMillis(clock_.Now()) - row.received_ms);
    {
      std::lock_guard lock(mu_);
      ++stats_.batches_applied;
      stats_.records_stored += appended->accepted;
      stats_.records_duplicate += appended->duplicates;
      stats_.last_lag_ms = lag_ms;
    }
    if (metrics_) {
      metrics_->batches.WithLabels({"applied"}).Inc();
      metrics_->records.WithLabels({"stored"}).Inc(static_cast<double>(appended->accepted));
      metrics_->records.WithLabels({"duplicate"}).Inc(static_cast<double>(appended->duplicates));
      metrics_->lag.Get().Set(static_cast<double>(lag_ms) / 1000.0);
    }
  }
  if (applied_ != before) KELOLA_RETURN_IF_ERROR(SaveCursor(applied_));
  if (!failed.ok()) return failed;
  return applied_ != before;
}

Status SharedLogFeed::ApplyRetention() {
  if (!options_.fence) return OkStatus();
  std::optional<LeaseFence> fence = options_.fence();
  if (!fence.has_value() || options_.retention <= Duration::zero()) return OkStatus();
  auto cutoff = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now() - options_.retention);
  auto deleted = table_.DeleteOlderThan(WallTime(cutoff), *fence);
  if (!deleted.ok()) {
    if (deleted.status().code() == StatusCode::kFailedPrecondition) {
      LogWarn("fence refused an action",
              {{"action", "deleting expired shared log batches"}, {"error", deleted.status().ToString()}});
    }
    return deleted.status();
  }
  if (*deleted > 0) {
    LogInfo("shared log batches deleted by retention", {{"rows", std::to_string(*deleted)}});
    std::lock_guard lock(mu_);
    stats_.rows_deleted += static_cast<uint64_t>(*deleted);
    if (metrics_) metrics_->deleted.Get().Inc(static_cast<double>(*deleted));
  }
  return OkStatus();
}

void SharedLogFeed::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void SharedLogFeed::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  applied_cv_.notify_all();
  table_.Wake();
  if (thread_.joinable()) thread_.join();
}

void SharedLogFeed::Run() {
  Duration backoff = std::chrono::milliseconds(100);
  next_retention_ = clock_.Monotonic();
  while (!stop_) {
    auto stepped = Step();
    if (stop_) break;
    if (clock_.Monotonic() >= next_retention_) {
      Status s = ApplyRetention();
      if (!s.ok() && s.code() != StatusCode::kFailedPrecondition) {
        LogWarn("shared log batches: retention failed; retrying later", {{"error", s.ToString()}});
      }
      next_retention_ = clock_.Monotonic() + options_.retention_every;
    }
    if (!stepped.ok()) {
      bool first;
      {
        std::lock_guard lock(mu_);
        first = stats_.consecutive_failures++ == 0;
        stats_.last_error = stepped.status().ToString();
      }
      if (first) {
        LogWarn("shared log feed: cannot apply shared log batches; retrying", {{"error", stepped.status().ToString()}});
      }
      table_.WaitForInsert(backoff);
      backoff = std::min<Duration>(backoff * 2, options_.max_backoff);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      if (stats_.consecutive_failures > 0) LogInfo("shared log feed: applying shared log batches again");
      stats_.consecutive_failures = 0;
    }
    backoff = std::chrono::milliseconds(100);
    if (!*stepped) table_.WaitForInsert(options_.poll_interval);
  }
}

SharedLogFeedStats SharedLogFeed::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace kelola
