// The logfmt parser: `key=value key2="quoted value" flag`, as written by
// go-kit/log, logrus' text formatter and Heroku's router.
#include <map>
#include <memory>
#include <string>

#include "logs/log_parser.h"

namespace kelola {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool IsKeyChar(char c) { return static_cast<unsigned char>(c) > ' ' && c != '=' && c != '"'; }

class LogfmtLogParser : public LogParser {
 public:
  explicit LogfmtLogParser(size_t max_fields) : max_fields_(max_fields) {}

  bool Parse(LogRecord& record, int64_t /*now_ms*/) override {
    std::string_view s = record.text;
    std::map<std::string, std::string> fields;
    bool any_pair = false;
    size_t i = 0;
    for (;;) {
      while (i < s.size() && IsSpace(s[i])) ++i;
      if (i >= s.size()) break;
      size_t key_start = i;
      while (i < s.size() && IsKeyChar(s[i])) ++i;
      if (i == key_start) return false;  // '=' or '"' where a key must start
      std::string key(s.substr(key_start, i - key_start));
      std::string value;
      if (i < s.size() && s[i] == '=') {
        ++i;
        any_pair = true;
        if (i < s.size() && s[i] == '"') {
          ++i;
          bool closed = false;
          while (i < s.size()) {
            char c = s[i++];
            if (c == '"') {
              closed = true;
              break;
            }
            if (c == '\\' && i < s.size()) {
              char e = s[i++];
              switch (e) {
                case 'n': value += '\n'; break;
                case 't': value += '\t'; break;
                case 'r': value += '\r'; break;
                case '"':
                case '\\': value += e; break;
                default: value += '\\'; value += e;
              }
              continue;
            }
            value += c;
          }
          if (!closed) return false;
          if (i < s.size() && !IsSpace(s[i])) return false;  // key="a"b
        } else {
          size_t v_start = i;
          while (i < s.size() && !IsSpace(s[i])) {
            if (s[i] == '"') return false;  // key=a"b
            ++i;
          }
          value = std::string(s.substr(v_start, i - v_start));
        }
      } else if (i < s.size() && !IsSpace(s[i])) {
        return false;  // key"...
      } else {
        value = "true";
      }
      if (fields.size() < max_fields_) fields.emplace(std::move(key), std::move(value));
    }
    if (!any_pair) return false;  // plain words are not logfmt
    for (auto& [k, v] : fields) record.fields.emplace(k, std::move(v));
    LevelFromFields(record);
    return true;
  }

 private:
  size_t max_fields_;
};

}  // namespace

std::unique_ptr<LogParser> MakeLogfmtLogParser(size_t max_fields) {
  return std::make_unique<LogfmtLogParser>(max_fields);
}

}  // namespace kelola
