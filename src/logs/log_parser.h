// LogParser: extracts a record's level and fields from its text, one parser
// per input (docs/agent-config.md: <input>.parser).
//
//   json    one JSON object per line; top-level members become fields
//           (strings unescaped, null as "", numbers, booleans, arrays and
//           objects as compact JSON; the last of repeated keys wins)
//   logfmt  key=value pairs, values bare or "quoted" with \" \\ \n \t escapes;
//           a bare key is a field with value "true"
//   regex   RE2 with named groups; each group that took part is a field
//           (RE2 matches UTF-8: `.` does not match an invalid byte)
//   syslog  RFC 5424 and RFC 3164 (logs/syslog_message.h)
//
// The level comes from the first of the fields level, lvl, severity,
// loglevel, log_level, levelname that NormalizeLevel knows (syslog: from the
// PRI's severity). `text` is never changed: the store keeps the line as it
// was received, and a line the parser does not accept (Parse returns false)
// keeps no fields and is counted by the caller, never dropped.
//
// At most `max_fields` fields are taken from one line; the rest are left in
// the text. Parsers are linear in the line, fuzzed (fuzz/*_parser_fuzz.cc).
// Thread-safety: a parser instance is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "logs/log_record.h"

namespace kelola {

enum class LogParserKind { kNone, kJson, kLogfmt, kRegex, kSyslog };

// "none", "json", "logfmt", "regex", "syslog".
std::string_view LogParserKindName(LogParserKind kind);
Result<LogParserKind> ParseLogParserKind(std::string_view name);

struct LogParserOptions {
  LogParserKind kind = LogParserKind::kNone;
  std::string regex;  // for kRegex: RE2 with at least one named group
  size_t max_fields = 64;
};

class LogParser {
 public:
  virtual ~LogParser() = default;
  // Adds fields (and the level, unless the record already has one) to
  // `record` from its text, given the wall time `now_ms` (for timestamps
  // without a year). Returns false, leaving the record unchanged, when the
  // text is not in the parser's format.
  virtual bool Parse(LogRecord& record, int64_t now_ms) = 0;
};

// InvalidArgument for a regex parser without a valid pattern with named
// groups. kNone yields nullptr.
Result<std::unique_ptr<LogParser>> MakeLogParser(const LogParserOptions& options);

// The field names the level is looked up under, in order.
inline constexpr std::string_view kLevelFieldNames[] = {"level",    "lvl",       "severity",
                                                        "loglevel", "log_level", "levelname"};

// Shared by the parsers: sets record.level from the first level-like field.
void LevelFromFields(LogRecord& record);

}  // namespace kelola
