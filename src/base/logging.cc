#include "base/logging.h"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cmath>
#include <memory>
#include <mutex>
#include <ostream>

namespace kelola {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSecretKey(std::string_view key) {
  static constexpr std::array<std::string_view, 9> kSecretWords = {
      "password", "passwd", "secret", "token", "authorization", "api_key", "apikey", "private_key", "credential"};
  std::string lower = Lower(key);
  return std::any_of(kSecretWords.begin(), kSecretWords.end(),
                     [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

constexpr std::string_view kRedacted = "[REDACTED]";

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// The two-character JSON escape of `c`, or "" when it has none.
std::string_view ShortJsonEscape(unsigned char c) {
  if (c == '"') return "\\\"";
  if (c == '\\') return "\\\\";
  if (c == '\n') return "\\n";
  if (c == '\r') return "\\r";
  if (c == '\t') return "\\t";
  return "";
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::string_view escape = ShortJsonEscape(c); !escape.empty()) {
      out += escape;
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\u{:04x}", c);
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD keeps the line valid JSON.
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  out.push_back('"');
}

bool NeedsQuoting(std::string_view s) {
  if (s.empty()) return true;
  return std::any_of(s.begin(), s.end(), [](char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c == 0x7F || c == '"' || c == '=' || c == '\\';
  });
}

// Escapes control characters so one event is always one line.
void AppendEscaped(std::string& out, std::string_view s, bool escape_quotes) {
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if (escape_quotes && (c == '"' || c == '\\')) {
      out.push_back('\\');
      out.push_back(ch);
    } else {
      out.push_back(ch);
    }
  }
}

void AppendTextValue(std::string& out, std::string_view value) {
  if (!NeedsQuoting(value)) {
    out.append(value);
    return;
  }
  out.push_back('"');
  AppendEscaped(out, value, /*escape_quotes=*/true);
  out.push_back('"');
}

std::string_view TextLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO ";
    case LogLevel::kWarn: return "WARN ";
    case LogLevel::kError: return "ERROR";
  }
  return "?????";
}

// The logger in force. Swapped whole by InitLogging so a concurrent Log()
// keeps using the old one until it is done with it.
struct LoggerState {
  LogFormat format = LogFormat::kText;
  Clock* clock = nullptr;
  std::shared_ptr<spdlog::logger> logger;
};

std::shared_ptr<spdlog::logger> MakeSpdLogger(std::ostream* sink) {
  spdlog::sink_ptr spd_sink;
  if (sink != nullptr) {
    spd_sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*sink, /*force_flush=*/true);
  } else {
    spd_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  // Not registered in spdlog's global registry: nothing else can reach or
  // reconfigure it. Lines are formatted here, so spdlog's pattern is bare.
  auto logger = std::make_shared<spdlog::logger>("kelola", std::move(spd_sink));
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_state_mu;

std::shared_ptr<const LoggerState>& StateSlot() {
  static auto* slot = new std::shared_ptr<const LoggerState>(
      std::make_shared<LoggerState>(LoggerState{LogFormat::kText, nullptr, MakeSpdLogger(nullptr)}));
  return *slot;
}

std::shared_ptr<const LoggerState> CurrentState() {
  std::lock_guard<std::mutex> lock(g_state_mu);
  return StateSlot();
}

spdlog::level::level_enum SpdLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

std::string LogField::FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

Result<LogLevel> ParseLogLevel(std::string_view text) {
  std::string lower = Lower(text);
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warn" || lower == "warning") return LogLevel::kWarn;
  if (lower == "error") return LogLevel::kError;
  return InvalidArgumentError(fmt::format("unknown log level \"{}\" (expected debug, info, warn or error)", text));
}

Result<LogFormat> ParseLogFormat(std::string_view text) {
  std::string lower = Lower(text);
  if (lower == "text") return LogFormat::kText;
  if (lower == "json") return LogFormat::kJson;
  return InvalidArgumentError(fmt::format("unknown log format \"{}\" (expected text or json)", text));
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "unknown";
}

std::string FormatLogLine(LogFormat format, WallTime time, LogLevel level, std::string_view msg,
                          const LogFields& fields) {
  std::string out;
  out.reserve(64 + msg.size() + fields.fields().size() * 24);
  std::string ts = FormatRfc3339(time);
  if (format == LogFormat::kJson) {
    out += "{\"ts\":";
    AppendJsonString(out, ts);
    out += ",\"level\":";
    AppendJsonString(out, LogLevelName(level));
    out += ",\"msg\":";
    AppendJsonString(out, msg);
    for (const LogField& f : fields.fields()) {
      out.push_back(',');
      // A field may not shadow the envelope: readers would see two "msg"s.
      if (f.key == "ts" || f.key == "level" || f.key == "msg") {
        AppendJsonString(out, fmt::format("field.{}", f.key));
      } else {
        AppendJsonString(out, f.key);
      }
      out.push_back(':');
      AppendJsonString(out, IsSecretKey(f.key) ? kRedacted : std::string_view(f.value));
    }
    out.push_back('}');
    return out;
  }
  out += ts;
  out.push_back(' ');
  out += TextLevel(level);
  out.push_back(' ');
  AppendEscaped(out, msg, /*escape_quotes=*/false);
  for (const LogField& f : fields.fields()) {
    out.push_back(' ');
    AppendEscaped(out, f.key, /*escape_quotes=*/false);
    out.push_back('=');
    AppendTextValue(out, IsSecretKey(f.key) ? kRedacted : std::string_view(f.value));
  }
  return out;
}

void InitLogging(LogFormat format, LogLevel level, std::ostream* sink, Clock* clock) {
  auto state = std::make_shared<const LoggerState>(LoggerState{format, clock, MakeSpdLogger(sink)});
  {
    std::lock_guard<std::mutex> lock(g_state_mu);
    StateSlot() = std::move(state);
  }
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view msg, const LogFields& fields) {
  if (!LogEnabled(level)) return;
  std::shared_ptr<const LoggerState> state = CurrentState();
  Clock& clock = state->clock != nullptr ? *state->clock : SystemClock();
  std::string line = FormatLogLine(state->format, clock.Now(), level, msg, fields);
  try {
    state->logger->log(SpdLevel(level), spdlog::string_view_t(line.data(), line.size()));
  } catch (...) {
    // Logging must never take the caller down; a lost line is the lesser evil.
  }
}

}  // namespace kelola
