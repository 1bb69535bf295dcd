#include "integrations/elasticsearch/bulk_codec.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/crypto.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string StringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Status ValidateIndexPattern(std::string_view pattern) {
  if (pattern.empty()) return InvalidArgumentError("index: must not be empty");
  if (pattern.front() == '-' || pattern.front() == '_' || pattern.front() == '+') {
    return InvalidArgumentError("index: must not start with -, _ or +");
  }
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '%') {
      if (i + 1 >= pattern.size()) return InvalidArgumentError("index: a lone % at the end");
      char f = pattern[++i];
      if (f != 'Y' && f != 'm' && f != 'd' && f != 'H' && f != '%') {
        return InvalidArgumentError(std::string("index: unsupported %") + f + " (use %Y %m %d %H or %%)");
      }
      continue;
    }
    if ((c >= 'A' && c <= 'Z') || std::string_view("\\/*?\"<>|,#: ").find(c) != std::string_view::npos ||
        static_cast<unsigned char>(c) < 0x20) {
      return InvalidArgumentError(std::string("index: character '") + c + "' is not allowed in an index name");
    }
  }
  return OkStatus();
}

std::string FormatIndexName(std::string_view pattern, int64_t time_ms) {
  std::time_t secs = static_cast<std::time_t>(time_ms >= 0 ? time_ms / 1000 : (time_ms - 999) / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  std::string out;
  char buf[16];
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 >= pattern.size()) {
      out += pattern[i];
      continue;
    }
    switch (pattern[++i]) {
      case 'Y': std::snprintf(buf, sizeof(buf), "%04d", (tm.tm_year + 1900) % 10000); break;
      case 'm': std::snprintf(buf, sizeof(buf), "%02d", tm.tm_mon + 1); break;
      case 'd': std::snprintf(buf, sizeof(buf), "%02d", tm.tm_mday); break;
      case 'H': std::snprintf(buf, sizeof(buf), "%02d", tm.tm_hour); break;
      default: std::snprintf(buf, sizeof(buf), "%c", pattern[i]); break;
    }
    out += buf;
  }
  return out;
}

std::string BulkDocumentId(const StoredRecord& r) {
  std::string key = r.agent;
  key += '\0';
  key += r.record.stream_id;
  key += '\0';
  key += std::to_string(r.record.offset);
  return Sha256Hex(key).substr(0, 32);
}

std::string BulkDocument(const StoredRecord& r) {
  json doc{{"@timestamp", FormatRfc3339(WallTime(std::chrono::milliseconds(r.record.time_ms)))},
           {"message", r.record.text},
           {"log", {{"file", {{"path", r.record.path}}}, {"offset", r.record.offset}}},
           {"kelola", {{"agent", r.agent}, {"stream", r.record.stream_id}, {"record_id", r.id}}}};
  if (r.record.split) doc["kelola"]["split"] = true;
  if (!r.labels.empty()) doc["labels"] = r.labels;
  return Dump(doc);
}

std::string EncodeBulkBody(const std::vector<const StoredRecord*>& records, std::string_view index_pattern,
                           std::string_view action) {
  std::string body;
  for (const StoredRecord* r : records) {
    json meta{{std::string(action),
               {{"_index", FormatIndexName(index_pattern, r->record.time_ms)}, {"_id", BulkDocumentId(*r)}}}};
    body += Dump(meta);
    body += '\n';
    body += BulkDocument(*r);
    body += '\n';
  }
  return body;
}

Result<std::vector<BulkItemResult>> ParseBulkResponse(std::string_view body, size_t expected_items) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("_bulk response: not a JSON object");
  auto items = j.find("items");
  if (items == j.end() || !items->is_array()) return InvalidArgumentError("_bulk response: no \"items\" array");
  if (items->size() != expected_items) {
    return InvalidArgumentError("_bulk response: " + std::to_string(items->size()) + " items for " +
                                std::to_string(expected_items) + " actions");
  }
  std::vector<BulkItemResult> out;
  out.reserve(items->size());
  for (const auto& item : *items) {
    if (!item.is_object() || item.size() != 1 || !item.begin()->is_object()) {
      return InvalidArgumentError("_bulk response: item " + std::to_string(out.size()) + " is not {action: {...}}");
    }
    const json& r = *item.begin();
    BulkItemResult res;
    auto status = r.find("status");
    if (status == r.end() || !status->is_number_integer()) {
      return InvalidArgumentError("_bulk response: item " + std::to_string(out.size()) + " has no status");
    }
    res.status = status->get<int>();
    if (auto err = r.find("error"); err != r.end()) {
      if (err->is_object()) {
        res.error_type = StringField(*err, "type");
        res.error_reason = StringField(*err, "reason");
      } else if (err->is_string()) {
        res.error_reason = err->get<std::string>();
      }
    }
    out.push_back(std::move(res));
  }
  return out;
}

}  // namespace kelola
