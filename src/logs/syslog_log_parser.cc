// The syslog parser: header fields of RFC 5424 / RFC 3164 messages
// (logs/syslog_message.h) as record fields, the level from the severity.
#include <memory>
#include <string>

#include "logs/log_level.h"
#include "logs/log_parser.h"
#include "logs/syslog_message.h"

namespace kelola {
namespace {

class SyslogLogParser : public LogParser {
 public:
  explicit SyslogLogParser(size_t max_fields) : max_fields_(max_fields) {}

  bool Parse(LogRecord& record, int64_t now_ms) override {
    auto m = ParseSyslog(record.text, now_ms);
    if (!m.ok()) return false;
    size_t added = 0;
    auto add = [&](std::string key, std::string value, bool keep_empty = false) {
      if ((value.empty() && !keep_empty) || added >= max_fields_) return;
      if (record.fields.emplace(std::move(key), std::move(value)).second) ++added;
    };
    if (m->has_pri) {
      add("facility", std::string(SyslogFacilityName(m->facility)));
      add("severity", std::string(SyslogSeverityName(m->severity)));
    }
    add("timestamp", m->timestamp);
    add("hostname", m->hostname);
    add("appname", m->app_name);
    add("procid", m->proc_id);
    add("msgid", m->msg_id);
    add("message", m->message);
    for (const auto& e : m->structured_data) {
      for (const auto& [name, value] : e.params) add(e.id + "." + name, value, true);
    }
    if (record.level.empty() && m->has_pri) record.level = std::string(LevelOfSyslogSeverity(m->severity));
    return true;
  }

 private:
  size_t max_fields_;
};

}  // namespace

std::unique_ptr<LogParser> MakeSyslogLogParser(size_t max_fields) {
  return std::make_unique<SyslogLogParser>(max_fields);
}

}  // namespace kelola
