#include "scale/load_trace.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace kelola {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    out.push_back(Trim(line.substr(start, comma == line.npos ? line.npos : comma - start)));
    if (comma == line.npos) break;
    start = comma + 1;
  }
  return out;
}

Result<double> Number(std::string_view s, const std::string& where, const char* column) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return InvalidArgumentError(where + ": " + column + ": \"" + std::string(s.substr(0, 64)) + "\" is not a number");
  }
  if (!std::isfinite(v) || v < 0) {
    return InvalidArgumentError(where + ": " + column + ": must be a finite number >= 0, got " + std::string(s));
  }
  return v;
}

Result<int64_t> UnixMinute(std::string_view s, const std::string& where) {
  int64_t secs = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
  if (!s.empty() && ec == std::errc() && p == s.data() + s.size()) {
    if (secs < 0 || secs > 7'258'118'400) return InvalidArgumentError(where + ": timestamp: out of range");
    return secs / 60;
  }
  auto t = ParseRfc3339(s);
  if (!t.ok()) {
    return InvalidArgumentError(where + ": timestamp: \"" + std::string(s.substr(0, 64)) +
                                "\" is neither Unix seconds nor RFC 3339");
  }
  return std::chrono::duration_cast<std::chrono::minutes>(t->time_since_epoch()).count();
}

}  // namespace

Result<LoadTrace> ParseLoadTrace(std::string_view text, const std::string& source, WallTime start) {
  enum class Form { kUnknown, kMinute, kTimestampCount, kTimestampOnly };
  Form form = Form::kUnknown;
  LoadTrace trace;
  trace.start = start;
  int64_t first_minute = 0;
  int64_t last_offset = -1;
  bool any = false;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = Trim(text.substr(pos, nl == text.npos ? text.npos : nl - pos));
    pos = nl == text.npos ? text.size() : nl + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const std::string where = source + ":" + std::to_string(line_no);
    std::vector<std::string_view> cols = SplitCsv(line);
    if (form == Form::kUnknown) {
      if (cols.size() == 2 && cols[0] == "minute" && cols[1] == "requests") {
        form = Form::kMinute;
      } else if (cols.size() == 2 && cols[0] == "timestamp" && cols[1] == "requests") {
        form = Form::kTimestampCount;
      } else if (cols.size() == 1 && cols[0] == "timestamp") {
        form = Form::kTimestampOnly;
      } else {
        return InvalidArgumentError(where + ": expected a header: minute,requests | timestamp,requests | timestamp");
      }
      continue;
    }
    const size_t want = form == Form::kTimestampOnly ? 1 : 2;
    if (cols.size() != want) {
      return InvalidArgumentError(where + ": expected " + std::to_string(want) + " column(s), got " +
                                  std::to_string(cols.size()));
    }
    int64_t offset = 0;
    double count = 1;
    if (form == Form::kMinute) {
      int64_t m = 0;
      auto [p, ec] = std::from_chars(cols[0].data(), cols[0].data() + cols[0].size(), m);
      if (cols[0].empty() || ec != std::errc() || p != cols[0].data() + cols[0].size() || m < 0) {
        return InvalidArgumentError(where + ": minute: \"" + std::string(cols[0].substr(0, 64)) +
                                    "\" is not a whole number >= 0");
      }
      if (m <= last_offset) {
        return InvalidArgumentError(where + ": minute " + std::to_string(m) + " does not follow minute " +
                                    std::to_string(last_offset));
      }
      offset = m;
      KELOLA_ASSIGN_OR_RETURN(count, Number(cols[1], where, "requests"));
    } else {
      KELOLA_ASSIGN_OR_RETURN(int64_t minute, UnixMinute(cols[0], where));
      if (form == Form::kTimestampCount) {
        KELOLA_ASSIGN_OR_RETURN(count, Number(cols[1], where, "requests"));
      }
      if (!any) {
        first_minute = minute;
        trace.start = WallTime(std::chrono::minutes(minute));
      }
      if (minute < first_minute || minute < first_minute + last_offset) {
        return InvalidArgumentError(where + ": timestamp goes back in time (rows must be in order)");
      }
      offset = minute - first_minute;
    }
    if (offset >= static_cast<int64_t>(kMaxTraceMinutes)) {
      return InvalidArgumentError(where + ": the trace spans more than a year of minutes");
    }
    if (static_cast<size_t>(offset) >= trace.requests.size()) trace.requests.resize(offset + 1, 0.0);
    trace.requests[offset] += count;
    last_offset = offset;
    any = true;
  }
  if (form == Form::kUnknown) return InvalidArgumentError(source + ": empty trace (no header, no rows)");
  if (!any) return InvalidArgumentError(source + ": the trace has a header but no rows");
  return trace;
}

}  // namespace kelola
