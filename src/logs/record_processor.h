// RecordProcessor: what the agent does to each record of one input between
// reading it and queueing it: parse (logs/log_parser.h), add the input's
// labels as fields, then apply the drop/keep filters.
//
// Filters, all optional, a record must pass every one to be kept:
//   min_level     records with a known level below it are dropped (records
//                 without a level are kept: nothing says they are unimportant)
//   drop_regex    records whose text matches (RE2, partial) are dropped
//   keep_regex    only records whose text matches are kept
//   field_equals  only records with each of these fields at that value are kept
//
// Nothing is dropped silently: counters say how many records were parsed,
// were not in the parser's format (kept as raw text), and were filtered.
// Pieces of a split over-long line are never parsed (they are not whole
// lines) but are filtered like others.
//
// Thread-safety: one instance per input, used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "logs/log_parser.h"
#include "logs/log_record.h"

namespace re2 {
class RE2;
}

namespace kelola {

struct RecordFilterOptions {
  std::string min_level;  // canonical level or ""
  std::string drop_regex;
  std::string keep_regex;
  std::map<std::string, std::string> field_equals;
};

struct RecordProcessorOptions {
  LogParserOptions parser;
  std::map<std::string, std::string> labels;  // added to every record's fields
  RecordFilterOptions filter;
};

struct RecordProcessorCounters {
  uint64_t parsed = 0;    // the parser accepted the line
  uint64_t unparsed = 0;  // the parser did not: kept unchanged
  uint64_t filtered = 0;  // dropped by a filter the configuration asked for
};

class RecordProcessor {
 public:
  // InvalidArgument naming the option for a bad regex or level.
  static Result<std::unique_ptr<RecordProcessor>> Create(const RecordProcessorOptions& options);
  ~RecordProcessor();

  // Parses and labels `record`; false when a filter drops it.
  bool Process(LogRecord& record, int64_t now_ms);

  const RecordProcessorCounters& counters() const { return counters_; }
  bool has_parser() const { return parser_ != nullptr; }

 private:
  RecordProcessor() = default;

  RecordProcessorOptions options_;
  std::unique_ptr<LogParser> parser_;
  int min_rank_ = -1;
  std::unique_ptr<re2::RE2> drop_;
  std::unique_ptr<re2::RE2> keep_;
  RecordProcessorCounters counters_;
};

}  // namespace kelola
