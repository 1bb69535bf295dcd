// Shared body of the log parser fuzz targets: one parser of outside input
// fed arbitrary bytes as a line. No input may crash, hang or leak; a line the
// parser rejects leaves the record unchanged, one it accepts keeps its text
// and has a canonical (or empty) level.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "logs/log_level.h"
#include "logs/log_parser.h"

namespace kelola {

inline void FuzzLogParser(LogParser& parser, const uint8_t* data, size_t size) {
  LogRecord record;
  record.text.assign(reinterpret_cast<const char*>(data), size);
  const std::string original = record.text;
  bool parsed = parser.Parse(record, 1'795'789'240'000);
  if (record.text != original) std::abort();
  if (!parsed && (!record.fields.empty() || !record.level.empty())) std::abort();
  if (!record.level.empty() && LevelRank(record.level) < 0) std::abort();
}

}  // namespace kelola
