// Parser of Elasticsearch `_bulk` request bodies sent to kelola's
// compatible ingest endpoint (POST /_bulk, POST /{index}/_bulk) by Filebeat,
// Fluent Bit, Vector and the like. docs/api/es-bulk-ingest.md has the format.
//
// The body is NDJSON: an action line, then (for index/create) a source line.
//   {"index":{"_index":"app","_id":"x"}}   or "create"; _index falls back to the URL's
//   {"@timestamp":"2026-11-27T10:00:00Z","message":"GET /","host":{"name":"web-1"}}
// Each item becomes one LogRecord: text = `message` (a string), else `log`
// (Fluent Bit's key), else the whole source as JSON; time = `@timestamp`
// (RFC 3339) or `now_ms`; agent = `host.name` or `host` (a string) or
// "es-bulk". An item that cannot be stored (a source line that is not a JSON
// object, a `delete`/`update` action) gets a per-item error, like ES does;
// the other items are still stored. A body whose action lines cannot be
// read at all is InvalidArgument for the whole request (ES answers 400 too).
//
// Parser of outside input: bounded by the body size (the HTTP server's
// limit); fuzzed by fuzz/bulk_ingest_fuzz.cc. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "logs/log_record.h"

namespace kelola {

struct BulkIngestItem {
  std::string action;  // "index" or "create", or the refused action's name
  std::string index;
  std::string id;  // the client's _id, "" when absent
  int status = 0;  // 0 = to be stored; else the per-item error status (400)
  std::string error_type;
  std::string error_reason;
  std::string agent;
  LogRecord record;  // text and time_ms filled; stream and offsets by the caller
};

// `default_index`: the {index} of POST /{index}/_bulk, "" for POST /_bulk.
Result<std::vector<BulkIngestItem>> ParseBulkIngest(std::string_view body, std::string_view default_index,
                                                    int64_t now_ms);

// RFC 3339 ("2026-11-27T10:00:00Z", fractions and offsets allowed) to Unix
// milliseconds; InvalidArgument otherwise.
Result<int64_t> ParseRfc3339Millis(std::string_view text);

}  // namespace kelola
