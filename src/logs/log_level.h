// Log level normalisation: the many spellings applications and protocols use
// for a line's importance map onto one canonical set, so that filters and
// queries work across inputs:
//
//   trace < debug < info < warn < error < fatal
//
// Accepted (case-insensitive): names and abbreviations (WARN, WARNING, W,
// ERR, E, CRIT, CRITICAL, EMERG, PANIC, NOTICE, ...), syslog severities 0..7
// as numbers, and bunyan/pino numeric levels 10, 20, 30, 40, 50, 60.
//
// Stateless functions; thread-safe.
#pragma once

#include <string_view>

namespace kelola {

// The canonical spelling ("trace" ... "fatal"), or "" when `raw` is not a
// level this table knows.
std::string_view NormalizeLevel(std::string_view raw);

// The canonical level of a syslog severity 0..7 (RFC 5424 section 6.2.1):
// emerg/alert/crit -> fatal, err -> error, warning -> warn, notice/info ->
// info, debug -> debug. "" outside 0..7.
std::string_view LevelOfSyslogSeverity(int severity);

// 0 (trace) .. 5 (fatal) for a canonical level; -1 for anything else.
int LevelRank(std::string_view canonical);

}  // namespace kelola
