// The json parser: simdjson's DOM parser when the build found simdjson
// (validates the whole document including UTF-8), nlohmann::json otherwise.
#include <map>
#include <memory>
#include <string>

#include "logs/log_parser.h"

#ifdef KELOLA_HAVE_SIMDJSON
#include <simdjson.h>
#else
#include <nlohmann/json.hpp>
#endif

namespace kelola {
namespace {

#ifdef KELOLA_HAVE_SIMDJSON

class JsonLogParser : public LogParser {
 public:
  explicit JsonLogParser(size_t max_fields) : max_fields_(max_fields) {}

  bool Parse(LogRecord& record, int64_t /*now_ms*/) override {
    simdjson::dom::element doc;
    if (parser_.parse(record.text.data(), record.text.size()).get(doc) != simdjson::SUCCESS) return false;
    simdjson::dom::object object;
    if (doc.get(object) != simdjson::SUCCESS) return false;
    std::map<std::string, std::string> fields;
    for (auto member : object) {
      if (fields.size() >= max_fields_) break;
      std::string value;
      std::string_view s;
      if (member.value.get(s) == simdjson::SUCCESS) {
        value = std::string(s);
      } else if (!member.value.is_null()) {
        value = simdjson::minify(member.value);
      }
      fields.insert_or_assign(std::string(member.key), std::move(value));  // the last repeated key wins, as in JS
    }
    for (auto& [k, v] : fields) record.fields.emplace(k, std::move(v));
    LevelFromFields(record);
    return true;
  }

 private:
  size_t max_fields_;
  simdjson::dom::parser parser_;
};

#else

class JsonLogParser : public LogParser {
 public:
  explicit JsonLogParser(size_t max_fields) : max_fields_(max_fields) {}

  bool Parse(LogRecord& record, int64_t /*now_ms*/) override {
    auto doc = nlohmann::json::parse(record.text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) return false;
    std::map<std::string, std::string> fields;
    for (auto it = doc.begin(); it != doc.end() && fields.size() < max_fields_; ++it) {
      const auto& v = it.value();
      std::string value;
      if (v.is_string()) {
        value = v.get<std::string>();
      } else if (!v.is_null()) {
        value = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      fields.emplace(it.key(), std::move(value));
    }
    for (auto& [k, v] : fields) record.fields.emplace(k, std::move(v));
    LevelFromFields(record);
    return true;
  }

 private:
  size_t max_fields_;
};

#endif

}  // namespace

std::unique_ptr<LogParser> MakeJsonLogParser(size_t max_fields) { return std::make_unique<JsonLogParser>(max_fields); }

}  // namespace kelola
