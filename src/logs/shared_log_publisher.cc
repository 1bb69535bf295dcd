#include "logs/shared_log_publisher.h"

namespace kelola {

Result<AppendResult> SharedLogPublisher::Publish(const LogBatch& batch, std::string_view frame) {
  if (batch.records.empty()) return AppendResult{};
  SharedLogBatch row;
  row.received_ms = UnixMillis(clock_.Now());
  row.origin = origin_;
  row.agent = batch.agent;
  row.records = static_cast<int64_t>(batch.records.size());
  if (frame.empty()) {
    KELOLA_ASSIGN_OR_RETURN(row.payload, EncodeFrame(batch));
  } else {
    row.payload = std::string(frame);
  }
  auto id = table_.Insert(row);
  if (!id.ok()) return id.status().WithContext("sharing the log batch");
  if (feed_ == nullptr) return AppendResult{};
  return feed_->WaitApplied(*id, apply_timeout_);
}

}  // namespace kelola
