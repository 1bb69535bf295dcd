// Syslog message parsing: RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID
// [SD] MSG") and RFC 3164 / BSD ("<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG").
//
// Lines without a PRI but with a BSD or RFC 3339 timestamp ("Nov 27 14:20:00
// host app: msg", as rsyslog writes /var/log/syslog) are accepted too, with
// has_pri false. Only the header is strict: a PRI that is not <0..191>, a
// 5424 header with a missing or malformed field, a bad timestamp or
// unterminated structured data is InvalidArgument naming what and at which
// byte; the caller keeps such a line as raw text and counts it. The message
// itself is any bytes.
//
// Timestamps come out as RFC 3339 text in UTC with milliseconds
// ("2026-11-27T14:20:40.123Z") plus Unix milliseconds. BSD timestamps have no
// year and no zone: they are read as UTC, in the year that puts them nearest
// to `now_ms` (a December line read on the 1st of January is last year's).
//
// Stateless; thread-safe. Linear in the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace kelola {

struct SyslogStructuredElement {
  std::string id;                                           // "exampleSDID@32473"
  std::vector<std::pair<std::string, std::string>> params;  // unescaped values
};

struct SyslogMessage {
  bool has_pri = true;    // false: a file line without "<PRI>"; facility and severity unknown
  int facility = 0;       // 0..23
  int severity = 0;       // 0..7
  int version = 0;        // 1 for RFC 5424, 0 for BSD
  std::string timestamp;  // RFC 3339, UTC; empty for the NILVALUE
  int64_t time_ms = 0;    // valid when timestamp is not empty
  std::string hostname;   // empty for "-" or when absent
  std::string app_name;   // BSD: the TAG
  std::string proc_id;
  std::string msg_id;
  std::vector<SyslogStructuredElement> structured_data;
  std::string message;  // without a UTF-8 BOM
};

Result<SyslogMessage> ParseSyslog(std::string_view line, int64_t now_ms);

// "kern", "user", ... "local7"; "" outside 0..23.
std::string_view SyslogFacilityName(int facility);
// "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug".
std::string_view SyslogSeverityName(int severity);

}  // namespace kelola
