// The Elasticsearch/OpenSearch `_bulk` wire format, as the ElasticsearchSink
// writes and reads it (docs/integrations/elasticsearch.md):
//
//   request   NDJSON: per record an action line {"create":{"_index":I,"_id":D}}
//             (or "index") and a source line; every line ends with "\n".
//   response  {"took":N,"errors":bool,"items":[{"create":{"status":201,...}},
//             {"create":{"status":400,"error":{"type":T,"reason":R}}}, ...]}
//             with one item per action, in request order.
//
// `_id` is deterministic — a hash of (agent, stream_id, offset), the record's
// identity in the pipeline — so a batch sent again after a timeout never
// creates a second document: with `create` the copy gets 409, which the sink
// counts as stored. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "logs/log_store.h"

namespace kelola {

// Checks an index pattern: strftime-like, UTC, with %Y %m %d %H and %% only;
// the rest must be valid in an index name (lower case, no \ / * ? " < > | , # : or space).
Status ValidateIndexPattern(std::string_view pattern);
// "logs-%Y.%m.%d" at 2026-11-27T14:00Z -> "logs-2026.11.27".
std::string FormatIndexName(std::string_view pattern, int64_t time_ms);

// 32 hex digits of SHA-256(agent \0 stream_id \0 offset).
std::string BulkDocumentId(const StoredRecord& record);

// The source document of one record.
std::string BulkDocument(const StoredRecord& record);

// NDJSON body for `records`, `action` "create" or "index".
std::string EncodeBulkBody(const std::vector<const StoredRecord*>& records, std::string_view index_pattern,
                           std::string_view action);

struct BulkItemResult {
  int status = 0;
  std::string error_type;  // "" on success
  std::string error_reason;
};

// Parses a `_bulk` response body; InvalidArgument when it is not one (or
// holds a different number of items than `expected_items`).
Result<std::vector<BulkItemResult>> ParseBulkResponse(std::string_view body, size_t expected_items);

}  // namespace kelola
