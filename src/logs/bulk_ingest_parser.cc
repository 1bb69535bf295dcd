#include "logs/bulk_ingest_parser.h"

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxItems = 1'000'000;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool Blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

std::string StringAt(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

Result<int64_t> ParseRfc3339Millis(std::string_view s) {
  int y, mo, d, h, mi, sec;
  auto bad = [&] {
    return InvalidArgumentError("expected an RFC 3339 time, got \"" + std::string(s.substr(0, 40)) + "\"");
  };
  if (!Digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, h) || s[13] != ':' ||
      !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, sec)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return bad();
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs * 1000 + millis;
}

Result<std::vector<BulkIngestItem>> ParseBulkIngest(std::string_view body, std::string_view default_index,
                                                    int64_t now_ms) {
  std::vector<BulkIngestItem> items;
  size_t pos = 0;
  size_t line_no = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= body.size()) return false;
    size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    line = StripCr(body.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    return true;
  };
  std::string_view line;
  while (next_line(line)) {
    if (Blank(line)) continue;
    if (items.size() >= kMaxItems) return InvalidArgumentError("_bulk: more than 1000000 actions");
    json action = json::parse(line, nullptr, false);
    if (action.is_discarded() || !action.is_object() || action.size() != 1 || !action.begin()->is_object()) {
      return InvalidArgumentError("_bulk line " + std::to_string(line_no) +
                                  ": expected an action like {\"index\":{...}}, got \"" +
                                  std::string(line.substr(0, 60)) + "\"");
    }
    BulkIngestItem item;
    item.action = action.begin().key();
    const json& meta = *action.begin();
    item.index = StringAt(meta, "_index");
    if (item.index.empty()) item.index = std::string(default_index);
    item.id = StringAt(meta, "_id");
    if (item.action == "delete") {
      item.status = 400;
      item.error_type = "action_request_validation_exception";
      item.error_reason = "kelola's log ingest stores log lines; delete is not supported";
      items.push_back(std::move(item));
      continue;
    }
    if (item.action != "index" && item.action != "create" && item.action != "update") {
      return InvalidArgumentError("_bulk line " + std::to_string(line_no) + ": unknown action \"" +
                                  item.action.substr(0, 40) + "\" (expected index, create, update or delete)");
    }
    std::string_view source;
    if (!next_line(source)) {
      return InvalidArgumentError("_bulk line " + std::to_string(line_no) +
                                  ": the action has no source line (the body must end with a newline)");
    }
    if (item.action == "update") {
      item.status = 400;
      item.error_type = "action_request_validation_exception";
      item.error_reason = "kelola's log ingest stores log lines; update is not supported";
      items.push_back(std::move(item));
      continue;
    }
    if (item.index.empty()) {
      item.status = 400;
      item.error_type = "action_request_validation_exception";
      item.error_reason = "index is missing";
      items.push_back(std::move(item));
      continue;
    }
    json doc = json::parse(source, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      item.status = 400;
      item.error_type = "mapper_parsing_exception";
      item.error_reason = "failed to parse: the source on line " + std::to_string(line_no) + " is not a JSON object";
      items.push_back(std::move(item));
      continue;
    }
    if (auto m = doc.find("message"); m != doc.end() && m->is_string()) {
      item.record.text = m->get<std::string>();
    } else if (auto l = doc.find("log"); l != doc.end() && l->is_string()) {
      item.record.text = l->get<std::string>();
    } else {
      item.record.text = Dump(doc);
    }
    item.record.time_ms = now_ms;
    if (std::string ts = StringAt(doc, "@timestamp"); !ts.empty()) {
      if (auto t = ParseRfc3339Millis(ts); t.ok()) item.record.time_ms = *t;
    }
    if (auto h = doc.find("host"); h != doc.end()) {
      if (h->is_string()) item.agent = h->get<std::string>();
      if (h->is_object()) item.agent = StringAt(*h, "name");
    }
    if (item.agent.empty()) item.agent = "es-bulk";
    if (item.agent.size() > 255) item.agent.resize(255);
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace kelola
