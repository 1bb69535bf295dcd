#include "logs/syslog_message.h"

#include <array>
#include <cstdio>
#include <cstdlib>

namespace kelola {
namespace {

constexpr std::array<std::string_view, 24> kFacilities = {"kern",   "user",   "mail",   "daemon", "auth",     "syslog",
                                                          "lpr",    "news",   "uucp",   "cron",   "authpriv", "ftp",
                                                          "ntp",    "audit",  "alert",  "clock",  "local0",   "local1",
                                                          "local2", "local3", "local4", "local5", "local6",   "local7"};
constexpr std::array<std::string_view, 8> kSeverities = {"emerg",   "alert",  "crit", "err",
                                                         "warning", "notice", "info", "debug"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil), so no time zone or libc state is involved.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

std::string FormatUtc(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86'400'000 : -((-ms + 86'399'999) / 86'400'000);
  int64_t in_day = ms - days * 86'400'000;
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d,
                static_cast<int>(in_day / 3'600'000), static_cast<int>(in_day / 60'000 % 60),
                static_cast<int>(in_day / 1000 % 60), static_cast<int>(in_day % 1000));
  return buf;
}

// A cursor over the line; errors name the byte offset.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++pos_;
    return true;
  }
  // Exactly `n` ASCII digits.
  bool Digits(int n, int& out) {
    out = 0;
    for (int i = 0; i < n; ++i) {
      char c = Peek(i);
      if (c < '0' || c > '9' || pos_ + i >= s_.size()) return false;
      out = out * 10 + (c - '0');
    }
    pos_ += n;
    return true;
  }
  // Printable US-ASCII up to the next space or the end, at most `max` bytes.
  bool Token(size_t max, std::string_view& out) {
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ') {
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c < 33 || c > 126) return false;
      ++pos_;
    }
    out = s_.substr(start, pos_ - start);
    return !out.empty() && out.size() <= max;
  }
  std::string_view Rest() const { return pos_ < s_.size() ? s_.substr(pos_) : std::string_view(); }
  size_t pos() const { return pos_; }
  void Advance(size_t n) { pos_ += n; }
  Status Error(const std::string& what) const {
    return InvalidArgumentError("syslog header byte " + std::to_string(pos_) + ": " + what);
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

Status ParsePri(Cursor& in, SyslogMessage& m) {
  if (!in.Eat('<')) return in.Error("expected '<' starting the PRI");
  int pri = 0, digits = 0;
  while (in.Peek() >= '0' && in.Peek() <= '9' && !in.AtEnd()) {
    if (digits == 3 || (digits == 1 && pri == 0)) return in.Error("PRI has too many digits");
    pri = pri * 10 + (in.Peek() - '0');
    ++digits;
    in.Advance(1);
  }
  if (digits == 0) return in.Error("PRI has no digits");
  if (!in.Eat('>')) return in.Error("expected '>' ending the PRI");
  if (pri > 191) return in.Error("PRI " + std::to_string(pri) + " is above 191");
  m.facility = pri / 8;
  m.severity = pri % 8;
  return OkStatus();
}

// RFC 3339 as RFC 5424 restricts it (section 6.2.3).
Status ParseRfc3339(Cursor& in, SyslogMessage& m) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!in.Digits(4, y) || !in.Eat('-') || !in.Digits(2, mo) || !in.Eat('-') || !in.Digits(2, d)) {
    return in.Error("timestamp: expected YYYY-MM-DD");
  }
  if (!in.Eat('T') && !in.Eat('t')) return in.Error("timestamp: expected 'T' after the date");
  if (!in.Digits(2, h) || !in.Eat(':') || !in.Digits(2, mi) || !in.Eat(':') || !in.Digits(2, s)) {
    return in.Error("timestamp: expected hh:mm:ss");
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) {
    return in.Error("timestamp: date or time out of range");
  }
  int ms = 0;
  if (in.Eat('.')) {
    int n = 0;
    while (in.Peek() >= '0' && in.Peek() <= '9' && !in.AtEnd()) {
      if (n == 6) return in.Error("timestamp: more than 6 fraction digits");
      if (n < 3) ms = ms * 10 + (in.Peek() - '0');
      ++n;
      in.Advance(1);
    }
    if (n == 0) return in.Error("timestamp: empty fraction");
    for (int i = n; i < 3; ++i) ms *= 10;
  }
  int offset_min = 0;
  if (!in.Eat('Z') && !in.Eat('z')) {
    int sign = in.Eat('+') ? 1 : (in.Eat('-') ? -1 : 0);
    int oh = 0, om = 0;
    if (sign == 0 || !in.Digits(2, oh) || !in.Eat(':') || !in.Digits(2, om) || oh > 23 || om > 59) {
      return in.Error("timestamp: expected Z or a +hh:mm offset");
    }
    offset_min = sign * (oh * 60 + om);
  }
  if (s == 60) s = 59;  // a leap second is kept within its minute
  m.time_ms = (DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_min * 60) * 1000 + ms;
  m.timestamp = FormatUtc(m.time_ms);
  return OkStatus();
}

// "Mmm dd hh:mm:ss" (day space-padded or not), year inferred from now_ms.
Status ParseBsdTimestamp(Cursor& in, int64_t now_ms, SyslogMessage& m) {
  int month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (in.Rest().substr(0, 3) == kMonths[i]) month = static_cast<int>(i) + 1;
  }
  if (month == 0) return in.Error("timestamp: expected a month name (Jan..Dec) or an RFC 3339 time");
  in.Advance(3);
  if (!in.Eat(' ')) return in.Error("timestamp: expected a space after the month");
  in.Eat(' ');  // "Nov  7"
  int day = 0;
  if (!in.Digits(2, day) && !in.Digits(1, day)) return in.Error("timestamp: expected the day");
  int h = 0, mi = 0, s = 0;
  if (!in.Eat(' ') || !in.Digits(2, h) || !in.Eat(':') || !in.Digits(2, mi) || !in.Eat(':') || !in.Digits(2, s)) {
    return in.Error("timestamp: expected hh:mm:ss after the day");
  }
  if (day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return in.Error("timestamp: out of range");
  if (s == 60) s = 59;
  int64_t now_days = now_ms >= 0 ? now_ms / 86'400'000 : -((-now_ms + 86'399'999) / 86'400'000);
  int64_t now_year = 0;
  int unused_m = 0, unused_d = 0;
  CivilFromDays(now_days, now_year, unused_m, unused_d);
  bool found = false;
  int64_t best = 0;
  for (int64_t y = now_year - 1; y <= now_year + 1; ++y) {
    if (day > DaysInMonth(y, month)) continue;  // Feb 29 only in leap years
    int64_t t = (DaysFromCivil(y, month, day) * 86400 + h * 3600 + mi * 60 + s) * 1000;
    if (!found || std::llabs(t - now_ms) < std::llabs(best - now_ms)) best = t;
    found = true;
  }
  if (!found) return in.Error("timestamp: no such day");
  m.time_ms = best;
  m.timestamp = FormatUtc(best);
  return OkStatus();
}

Status ParseStructuredData(Cursor& in, SyslogMessage& m) {
  if (in.Eat('-')) return OkStatus();
  if (in.Peek() != '[') return in.Error("structured data: expected '-' or '['");
  while (in.Eat('[')) {
    SyslogStructuredElement e;
    auto name = [&](size_t max, std::string& out) {
      size_t n = 0;
      while (!in.AtEnd()) {
        unsigned char c = static_cast<unsigned char>(in.Peek());
        if (c < 33 || c > 126 || c == '=' || c == ']' || c == '"' || c == ' ') break;
        out += static_cast<char>(c);
        in.Advance(1);
        ++n;
      }
      return n > 0 && n <= max;
    };
    if (!name(32 + 16, e.id)) return in.Error("structured data: bad SD-ID");
    while (in.Eat(' ')) {
      std::string param, value;
      if (!name(32, param)) return in.Error("structured data: bad PARAM-NAME");
      if (!in.Eat('=') || !in.Eat('"')) return in.Error("structured data: expected =\" after " + param);
      for (;;) {
        if (in.AtEnd()) return in.Error("structured data: unterminated value of " + param);
        char c = in.Peek();
        in.Advance(1);
        if (c == '"') break;
        if (c == '\\' && (in.Peek() == '"' || in.Peek() == '\\' || in.Peek() == ']') && !in.AtEnd()) {
          c = in.Peek();
          in.Advance(1);
        }
        value += c;
      }
      e.params.emplace_back(std::move(param), std::move(value));
    }
    if (!in.Eat(']')) return in.Error("structured data: expected ']' closing " + e.id);
    m.structured_data.push_back(std::move(e));
  }
  return OkStatus();
}

std::string_view WithoutBom(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

std::string Nil(std::string_view token) { return token == "-" ? std::string() : std::string(token); }

Status ParseRfc5424(Cursor& in, SyslogMessage& m) {
  m.version = 1;
  if (in.Eat('-')) {
    // NILVALUE timestamp
  } else {
    KELOLA_RETURN_IF_ERROR(ParseRfc3339(in, m));
  }
  std::string_view host, app, proc, msgid;
  if (!in.Eat(' ') || !in.Token(255, host)) return in.Error("HOSTNAME: expected 1-255 printable characters");
  if (!in.Eat(' ') || !in.Token(48, app)) return in.Error("APP-NAME: expected 1-48 printable characters");
  if (!in.Eat(' ') || !in.Token(128, proc)) return in.Error("PROCID: expected 1-128 printable characters");
  if (!in.Eat(' ') || !in.Token(32, msgid)) return in.Error("MSGID: expected 1-32 printable characters");
  m.hostname = Nil(host);
  m.app_name = Nil(app);
  m.proc_id = Nil(proc);
  m.msg_id = Nil(msgid);
  if (!in.Eat(' ')) return in.Error("expected structured data after MSGID");
  KELOLA_RETURN_IF_ERROR(ParseStructuredData(in, m));
  if (!in.AtEnd() && !in.Eat(' ')) return in.Error("expected a space before the message");
  m.message = std::string(WithoutBom(in.Rest()));
  return OkStatus();
}

// After the timestamp: "HOST TAG[PID]: MSG", where HOST may be missing
// (messages from the local socket) and TAG may be missing (then everything
// after HOST is the message).
void ParseBsdRest(Cursor& in, SyslogMessage& m) {
  std::string_view rest = in.Rest();
  auto tag_end = [](std::string_view s) {
    size_t i = 0;
    while (i < s.size() && i <= 48 && s[i] != '[' && s[i] != ':' && s[i] != ' ') ++i;
    return i;
  };
  auto take_tag = [&](std::string_view s) -> bool {
    size_t i = tag_end(s);
    if (i == 0 || i > 48 || i >= s.size() || (s[i] != '[' && s[i] != ':')) return false;
    std::string_view tag = s.substr(0, i), pid;
    size_t j = i;
    if (s[j] == '[') {
      size_t close = s.find(']', j);
      if (close == std::string_view::npos || close - j - 1 > 128) return false;
      pid = s.substr(j + 1, close - j - 1);
      j = close + 1;
    }
    if (j >= s.size() || s[j] != ':') {
      if (pid.empty()) return false;
    } else {
      ++j;
    }
    if (j < s.size() && s[j] == ' ') ++j;
    m.app_name = std::string(tag);
    m.proc_id = std::string(pid);
    m.message = std::string(s.substr(j));
    return true;
  };
  if (take_tag(rest)) return;  // no hostname
  size_t space = rest.find(' ');
  std::string_view host = rest.substr(0, space);
  m.hostname = std::string(host);
  std::string_view after = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  if (!take_tag(after)) m.message = std::string(after);
}

}  // namespace

Result<SyslogMessage> ParseSyslog(std::string_view line, int64_t now_ms) {
  SyslogMessage m;
  Cursor in(line);
  if (in.Peek() == '<') {
    KELOLA_RETURN_IF_ERROR(ParsePri(in, m));
  } else {
    m.has_pri = false;  // a BSD layout must follow
  }
  if (m.has_pri && in.Peek() == '1' && in.Peek(1) == ' ') {
    in.Advance(2);
    KELOLA_RETURN_IF_ERROR(ParseRfc5424(in, m));
    return m;
  }
  if (in.Peek() >= '0' && in.Peek() <= '9') {
    KELOLA_RETURN_IF_ERROR(ParseRfc3339(in, m));  // BSD layout with an RFC 3339 time (rsyslog's forward format)
  } else {
    KELOLA_RETURN_IF_ERROR(ParseBsdTimestamp(in, now_ms, m));
  }
  if (!in.AtEnd() && !in.Eat(' ')) return in.Error("expected a space after the timestamp");
  ParseBsdRest(in, m);
  return m;
}

std::string_view SyslogFacilityName(int facility) {
  return facility >= 0 && facility < 24 ? kFacilities[facility] : std::string_view();
}

std::string_view SyslogSeverityName(int severity) {
  return severity >= 0 && severity < 8 ? kSeverities[severity] : std::string_view();
}

}  // namespace kelola
