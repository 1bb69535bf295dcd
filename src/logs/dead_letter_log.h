// DeadLetterLog: the records a sink refused for good (e.g. an Elasticsearch
// 400 mapping conflict), kept with the reason so nothing is dropped silently.
//
// One JSON object per line in a file per sink (docs/formats/dead-letters.md),
// appended and fsync'ed before the sink's cursor moves past the records. A
// crash between the two makes the forwarder offer the batch again; entries
// whose record id is not above the last one in the file are then skipped, so
// the file never holds a record twice.
//
// Thread-safety: all methods may be called from any thread (one mutex).
// Errors: Internal for I/O failures; a torn last line (crash mid-write) is
// ignored by Read and overwritten by the next Append.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "logs/log_sink.h"
#include "logs/log_store.h"

namespace kelola {

struct DeadLetterEntry {
  std::string sink;
  int64_t time_ms = 0;  // when it was dead-lettered
  uint64_t record_id = 0;
  int http_status = 0;
  std::string reason;
  std::string agent;
  std::string path;
  std::string stream_id;
  uint64_t offset = 0;
  std::string text;
};

class DeadLetterLog {
 public:
  static Result<std::unique_ptr<DeadLetterLog>> Open(std::string path, std::string sink);

  // Appends one entry per dead letter (records looked up by id in `batch`)
  // and fsyncs; entries at or below the last stored record id are skipped.
  Status Append(const std::vector<SinkDeadLetter>& letters, const std::vector<StoredRecord>& batch, int64_t now_ms);
  // Entries with record_id > after_record_id, oldest first, at most `limit`.
  Result<std::vector<DeadLetterEntry>> Read(uint64_t after_record_id, size_t limit) const;
  uint64_t count() const;

 private:
  DeadLetterLog(std::string path, std::string sink) : path_(std::move(path)), sink_(std::move(sink)) {}
  std::string path_;
  std::string sink_;
  mutable std::mutex mu_;
  uint64_t last_record_id_ = 0;
  uint64_t count_ = 0;
  uint64_t valid_bytes_ = 0;  // length of the file up to its last complete line
};

}  // namespace kelola
