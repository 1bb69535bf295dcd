// How a Loki push request becomes LogStore batches (pure; the HTTP side is
// loki_push_handlers.h). docs/formats/loki-push.md describes the mapping:
//
//   - One batch per distinct label set (streams repeated in one request are
//     merged; runs of structured metadata split it, below); the labels become
//     the batch labels, the sender's token name the batch's agent.
//   - Each label set is a stable kelola stream: stream_id = the first 16 hex
//     digits of SHA-256 of its canonical `{a="b", ...}` form; `path` is the
//     `filename` label when there is one (Promtail sets it), so `file=`
//     queries work.
//   - Offsets come from the entry timestamps, entries sorted by time (ties
//     keep their order and are spread by one each), so the store's per-stream
//     high-water mark makes a retried push a no-op: an entry at or before the
//     newest stored timestamp of its stream is taken as already stored. That
//     is Loki's ordered-writes rule (before 2.4); out-of-order entries are
//     counted as duplicates, not stored.
//   - Structured metadata becomes batch labels too (a stream label of the
//     same name wins): consecutive entries with the same metadata form one
//     batch. A request needing more than kMaxLokiIngestBatches batches (one
//     fsync'ed append each) is stored without its metadata, counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "integrations/loki/loki_push.h"
#include "logs/log_frame.h"

namespace kelola {

inline constexpr size_t kMaxLokiIngestBatches = 64;

struct LokiIngestBatches {
  std::vector<LogBatch> batches;
  uint64_t entries = 0;
  uint64_t metadata_dropped = 0;  // entries whose structured metadata was not stored
};

// InvalidArgument (naming the stream) for a stream without labels.
Result<LokiIngestBatches> LokiPushToBatches(const LokiPushRequest& push, const std::string& agent);
// The store offset of an entry timestamp: order-preserving over all int64.
uint64_t LokiOffsetOf(int64_t timestamp_ns);

}  // namespace kelola
