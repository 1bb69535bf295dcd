// Structured logging: one line per event, a message plus key=value fields.
//
// Two formats, both written to stderr (or a test's ostream):
//   text  2026-11-27T11:08:24.123Z INFO  server listening addr=127.0.0.1:7480
//   json  {"ts":"2026-11-27T11:08:24.123Z","level":"info","msg":"server listening","addr":"..."}
// Text values that contain spaces, quotes, '=' or control characters are
// quoted with Go-style escapes, so a line always splits back into its fields.
// JSON lines are always valid JSON (invalid UTF-8 becomes U+FFFD).
//
// Fields whose key names a secret (password, secret, token, authorization,
// api_key, ...) are written as "[REDACTED]": a stray LogInfo never leaks one.
//
// Thread-safety: every function here may be called from any thread, also
// while another thread calls InitLogging. Before InitLogging the logger
// writes text at info level to stderr. Logging never throws and never fails
// the caller; a write error on the sink is dropped.
#pragma once

#include <concepts>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn" (also "warning"), "error"; case-insensitive.
Result<LogLevel> ParseLogLevel(std::string_view text);
// "text" or "json"; case-insensitive.
Result<LogFormat> ParseLogFormat(std::string_view text);
// "debug", "info", "warn", "error".
std::string_view LogLevelName(LogLevel level);

// One key=value pair. Numbers and bools are converted here so call sites stay
// short: {"port", 7480}, {"tls", true}. The key must outlive the log call
// (string literals do).
struct LogField {
  LogField(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  template <typename T>
  requires std::is_arithmetic_v<T> LogField(std::string_view k, T v) : key(k), value(ArithmeticToString(v)) {}

  std::string_view key;
  std::string value;

 private:
  template <typename T>
  static std::string ArithmeticToString(T v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v ? "true" : "false";
    } else if constexpr (std::is_floating_point_v<T>) {
      return FormatDouble(static_cast<double>(v));
    } else {
      return std::to_string(v);
    }
  }
  static std::string FormatDouble(double v);
};

// The fields of one event, in the order given. Built from a braced list at
// the call site, or incrementally with Add() when fields are conditional.
class LogFields {
 public:
  LogFields() = default;
  LogFields(std::initializer_list<LogField> fields) : fields_(fields) {}  // NOLINT: implicit by design

  LogFields& Add(LogField field) {
    fields_.push_back(std::move(field));
    return *this;
  }
  const std::vector<LogField>& fields() const { return fields_; }

 private:
  std::vector<LogField> fields_;
};

// Replaces the process-wide logger. `sink` (for tests) receives the lines
// instead of stderr; `clock` (for tests) supplies the timestamps. Both must
// stay alive until the next InitLogging call has returned and log calls that
// were already running have finished.
void InitLogging(LogFormat format, LogLevel level, std::ostream* sink = nullptr, Clock* clock = nullptr);

// True when an event at `level` would be written; lets callers skip building
// expensive fields.
bool LogEnabled(LogLevel level);

void Log(LogLevel level, std::string_view msg, const LogFields& fields = {});
inline void LogDebug(std::string_view msg, const LogFields& fields = {}) { Log(LogLevel::kDebug, msg, fields); }
inline void LogInfo(std::string_view msg, const LogFields& fields = {}) { Log(LogLevel::kInfo, msg, fields); }
inline void LogWarn(std::string_view msg, const LogFields& fields = {}) { Log(LogLevel::kWarn, msg, fields); }
inline void LogError(std::string_view msg, const LogFields& fields = {}) { Log(LogLevel::kError, msg, fields); }

// The line Log() would write, without the trailing newline. Exposed so the
// formats can be tested without a logger.
std::string FormatLogLine(LogFormat format, WallTime time, LogLevel level, std::string_view msg,
                          const LogFields& fields);

}  // namespace kelola
