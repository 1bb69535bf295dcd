#include "logs/log_parser.h"

#include "logs/log_level.h"

namespace kelola {

std::unique_ptr<LogParser> MakeJsonLogParser(size_t max_fields);
std::unique_ptr<LogParser> MakeLogfmtLogParser(size_t max_fields);
Result<std::unique_ptr<LogParser>> MakeRegexLogParser(const std::string& pattern, size_t max_fields);
std::unique_ptr<LogParser> MakeSyslogLogParser(size_t max_fields);

std::string_view LogParserKindName(LogParserKind kind) {
  switch (kind) {
    case LogParserKind::kNone: return "none";
    case LogParserKind::kJson: return "json";
    case LogParserKind::kLogfmt: return "logfmt";
    case LogParserKind::kRegex: return "regex";
    case LogParserKind::kSyslog: return "syslog";
  }
  return "none";
}

Result<LogParserKind> ParseLogParserKind(std::string_view name) {
  for (auto kind : {LogParserKind::kNone, LogParserKind::kJson, LogParserKind::kLogfmt, LogParserKind::kRegex,
                    LogParserKind::kSyslog}) {
    if (LogParserKindName(kind) == name) return kind;
  }
  return InvalidArgumentError("unknown parser \"" + std::string(name) +
                              "\": expected none, json, logfmt, regex or syslog");
}

Result<std::unique_ptr<LogParser>> MakeLogParser(const LogParserOptions& o) {
  switch (o.kind) {
    case LogParserKind::kNone: return std::unique_ptr<LogParser>();
    case LogParserKind::kJson: return MakeJsonLogParser(o.max_fields);
    case LogParserKind::kLogfmt: return MakeLogfmtLogParser(o.max_fields);
    case LogParserKind::kRegex: return MakeRegexLogParser(o.regex, o.max_fields);
    case LogParserKind::kSyslog: return MakeSyslogLogParser(o.max_fields);
  }
  return InvalidArgumentError("unknown parser kind");
}

void LevelFromFields(LogRecord& record) {
  if (!record.level.empty()) return;
  for (std::string_view name : kLevelFieldNames) {
    auto it = record.fields.find(std::string(name));
    if (it == record.fields.end()) continue;
    std::string_view level = NormalizeLevel(it->second);
    if (!level.empty()) {
      record.level = std::string(level);
      return;
    }
  }
}

}  // namespace kelola
