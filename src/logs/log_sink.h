// LogSink: a destination the server forwards its stored log records to
// (Elasticsearch/OpenSearch `_bulk`, Loki push, ...). The embedded LogStore is
// the buffer in front of every sink: a forwarder reads records from the store
// after the sink's durable cursor, hands them to Deliver(), and advances the
// cursor only when Deliver() returned OK. So a sink that is down for hours
// loses nothing, and a restart of the server resumes where it stopped.
//
// Contract of Deliver():
//   - OK means every record given was either stored by the destination or is
//     listed in `dead_letters` (refused for good, e.g. a 400 mapping error),
//     with the reason. The caller persists the dead letters, then the cursor.
//   - An error (Unavailable, DeadlineExceeded, ResourceExhausted: retry;
//     anything else: the sink is misconfigured) means the caller must offer
//     the same records again later. Sinks make that idempotent (Elasticsearch:
//     a deterministic `_id` per record; Loki: same stream, same timestamp,
//     same line is deduplicated by Loki itself).
//   - A sink may retry items inside one call (429/5xx items of a `_bulk`) and
//     reports how many times in `retried`.
// Thread-safety: one forwarder thread calls Deliver() at a time per sink.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "logs/log_store.h"

namespace kelola {

struct SinkDeadLetter {
  uint64_t record_id = 0;  // StoredRecord::id
  int http_status = 0;     // the destination's answer for this item, 0 if none
  std::string reason;      // the destination's error type and message
};

struct SinkDelivery {
  uint64_t sent = 0;     // records the destination stored
  uint64_t retried = 0;  // item sends repeated inside this call
  std::vector<SinkDeadLetter> dead_letters;
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  // "elasticsearch", "loki", ...: the `type` in the server config.
  virtual std::string_view Kind() const = 0;
  virtual Result<SinkDelivery> Deliver(const std::vector<StoredRecord>& records) = 0;
};

}  // namespace kelola
