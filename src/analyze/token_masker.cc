#include "analyze/token_masker.h"

#include <array>

namespace kelola::analyze {
namespace {

// Characters that end a segment inside a token. '.', '-', '_', '+', '$', '%'
// stay inside segments: they join the parts of numbers, names and ids.
constexpr std::array<bool, 256> MakeDelims() {
  std::array<bool, 256> d{};
  for (unsigned char c : std::string_view(",;:=()[]{}<>\"'|@#/!?&\\`")) d[c] = true;
  return d;
}
constexpr std::array<bool, 256> kDelim = MakeDelims();

inline bool IsDelim(char c) { return kDelim[static_cast<unsigned char>(c)]; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline bool IsSchemeChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '.' || c == '+' || c == '-'; }
// Characters that close a path or URL at the end of a token: "(/tmp/x)," keeps "),".
inline bool IsCloser(char c) {
  return c == ')' || c == ']' || c == '}' || c == ',' || c == ';' || c == '\'' || c == '"' || c == '>';
}

// Words that Loghub-2.0's labelling treats as values wherever they appear
// (its rules BL and US: booleans, null, the common account names).
bool IsValueWord(std::string_view s) {
  if (s.size() < 3 || s.size() > 5) return false;
  switch (s[0]) {
    case 'M':
    case 'T':
    case 'W':
    case 'F':
    case 'S':
    case 'J':
    case 'A':
    case 'O':
    case 'N':
    case 'D':
    case 't':
    case 'f':
    case 'n':
    case 'r':
    case 'a': break;
    default: return false;
  }
  // Parts of dates: "Sun Jul 10 03:55:15 2005".
  static constexpr std::string_view kDateWords[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
                                                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                                    "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::string_view d : kDateWords) {
    if (s == d) return true;
  }
  return s == "true" || s == "false" || s == "null" || s == "root" || s == "admin" || s == "True" || s == "False" ||
         s == "NULL";
}

// A DNS name under a common top-level domain: ns.example.com, a.b.edu.hk.
bool IsDomainName(std::string_view s) {
  size_t dot = s.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= s.size()) return false;
  std::string_view tld = s.substr(dot + 1);
  if (tld.size() < 2 || tld.size() > 11) return false;
  static constexpr std::string_view kTlds[] = {"com", "net", "org",   "edu", "gov",      "mil",        "io", "info",
                                               "biz", "cn",  "hk",    "uk",  "de",       "jp",         "ru", "fr",
                                               "us",  "eu",  "local", "lan", "internal", "localdomain"};
  bool known = false;
  for (std::string_view t : kTlds) known = known || tld == t;
  if (!known) return false;
  for (char c : s) {
    if (!IsAlpha(c) && !IsDigit(c) && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

// True when the segment (no delimiters inside) is a variable.
bool IsVariableSegment(std::string_view s) {
  if (IsDigit(s[0])) return true;  // numbers, addresses, sizes with units
  size_t digits = 0;
  for (char c : s) digits += IsDigit(c);
  if (digits == 0) return IsValueWord(s) || IsDomainName(s);
  // Numbers, addresses, sizes with units, ids that start with a digit.
  if (IsDigit(s[0])) return true;
  if ((s[0] == '-' || s[0] == '+') && s.size() > 1 && IsDigit(s[1])) return true;
  // Hex ids and UUIDs: only hex digits and dashes, at least 8 hex digits.
  size_t hex = 0;
  bool only_hex = true;
  for (char c : s) {
    if (IsHex(c)) {
      ++hex;
    } else if (c != '-') {
      only_hex = false;
      break;
    }
  }
  if (only_hex && hex >= 8) return true;
  // Ids made of words and numbers: blk_-42, attempt_1445_0020_m_000000_0,
  // mesos-slave-07. A part (split at _ . -) that starts with a digit.
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j] != '_' && s[j] != '.' && s[j] != '-') ++j;
    if (j > i && IsDigit(s[i])) return true;
    i = j + 1;
  }
  // Words with a long run of digits (user1234, host0042), but not names
  // such as ssh2, tty2, SOCKS5, log4j.
  return digits >= 4 && digits * 2 >= s.size();
}

// Masks one segment: either whole, or after a word prefix ending in '-'
// ("jetty-6.1.26" -> "jetty-<*>", "BP-1088-10.0.0.1-14" -> "BP-<*>").
void MaskSegment(std::string_view s, std::string& out, bool& changed) {
  if (!IsVariableSegment(s)) {
    out.append(s);
    return;
  }
  size_t dash = s.find('-');
  if (dash != std::string_view::npos && dash > 0 && dash + 1 < s.size() && IsDigit(s[dash + 1])) {
    bool word = true;
    for (size_t k = 0; k < dash; ++k) word = word && IsAlpha(s[k]);
    if (word) {
      out.append(s.substr(0, dash + 1));
      out.append(kWildcard);
      changed = true;
      return;
    }
  }
  out.append(kWildcard);
  changed = true;
}

// Collapses "<*>:<*>", "<*>.<*>" and "<*><*>" in out[from..] in place.
void CollapseInToken(std::string& out, size_t from) {
  if (out.size() - from < 7) return;
  size_t w = from;
  size_t r = from;
  const size_t n = out.size();
  while (r < n) {
    // After a wildcard at out[w-3..w), skip a separator + wildcard.
    if (w - from >= 3 && out.compare(w - 3, 3, kWildcard) == 0) {
      if (r + 3 <= n && out.compare(r, 3, kWildcard) == 0) {
        r += 3;
        continue;
      }
      if (r + 4 <= n && (out[r] == ':' || out[r] == '.') && out.compare(r + 1, 3, kWildcard) == 0) {
        r += 4;
        continue;
      }
    }
    out[w++] = out[r++];
  }
  out.resize(w);
}

}  // namespace

bool MaskToken(std::string_view t, std::string& out) {
  const size_t start = out.size();
  bool changed = false;
  const size_t n = t.size();
  // Fast path: a plain word (no digit, no delimiter) is kept unless it is a
  // value word or a domain name. Most tokens of most lines are plain words.
  bool digit = false, delim = false, dot = false;
  for (char c : t) {
    digit |= IsDigit(c);
    delim |= IsDelim(c);
    dot |= c == '.';
  }
  if (!delim) {
    std::string_view core = t;
    while (!core.empty() && core.back() == '.') core.remove_suffix(1);
    if (digit && !core.empty()) {
      // One segment with a digit: a number or an id, or a name like ssh2.
      MaskSegment(core, out, changed);
      out.append(t.substr(core.size()));
      return changed;
    }
  }
  if (!digit && !delim) {
    std::string_view core = t;
    while (!core.empty() && core.back() == '.') core.remove_suffix(1);
    if (core.empty() || !(IsValueWord(core) || (dot && IsDomainName(core)))) {
      out.append(t);
      return false;
    }
  }
  // A URL: keep "scheme://", mask the rest up to closing punctuation.
  size_t url = delim ? t.find("://") : std::string_view::npos;
  size_t url_begin = std::string_view::npos;
  if (url != std::string_view::npos && url > 0 && url + 3 < n) {
    url_begin = url;
    while (url_begin > 0 && IsSchemeChar(t[url_begin - 1])) --url_begin;
    if (url_begin == url) url_begin = std::string_view::npos;
  }
  size_t i = 0;
  while (i < n) {
    if (i == url_begin) {
      size_t end = n;
      while (end > url + 3 && IsCloser(t[end - 1])) --end;
      out.append(t.substr(i, url + 3 - i));
      out.append(kWildcard);
      changed = true;
      i = end;
      continue;
    }
    char c = t[i];
    // A bound before a number: "<1", ">5", "~3" are the value.
    if ((c == '<' || c == '>' || c == '~') && i == 0 && i + 1 < n && IsDigit(t[i + 1])) {
      ++i;
      continue;
    }
    if (IsDelim(c)) {
      // An absolute path: '/' at the start or after an opening delimiter,
      // followed by a name.
      if (c == '/' && i + 1 < n && !IsDelim(t[i + 1]) && (i == 0 || (IsDelim(t[i - 1]) && t[i - 1] != '/'))) {
        size_t end = n;
        while (end > i + 1 && IsCloser(t[end - 1])) --end;
        if (url_begin != std::string_view::npos && url_begin > i && url_begin < end) end = url_begin;
        out.append(kWildcard);
        changed = true;
        i = end;
        continue;
      }
      out.push_back(c);
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && !IsDelim(t[j]) && j != url_begin) ++j;
    // host:port, where host is a name with dots: the whole pair is the value.
    if (j + 1 < n && t[j] == ':' && IsDigit(t[j + 1]) && t.substr(i, j - i).find('.') != std::string_view::npos) {
      size_t e = j + 1;
      while (e < n && IsDigit(t[e])) ++e;
      if (e == n || IsDelim(t[e]) || t[e] == '.') {
        out.append(kWildcard);
        changed = true;
        i = e;
        continue;
      }
    }
    // A sentence's final dots are punctuation, not part of the value.
    size_t k = j;
    while (k > i && t[k - 1] == '.') --k;
    if (k > i) MaskSegment(t.substr(i, k - i), out, changed);
    out.append(t.substr(k, j - k));
    i = j;
  }
  if (changed) CollapseInToken(out, start);
  return changed;
}

std::string MaskLine(std::string_view line) {
  std::string out;
  std::string tok;
  ForEachToken(line, [&](std::string_view t) {
    tok.clear();
    MaskToken(t, tok);
    if (tok == kWildcard && out.size() >= 3 && out.compare(out.size() - 3, 3, kWildcard) == 0 &&
        (out.size() == 3 || out[out.size() - 4] == ' ')) {
      return;
    }
    if (!out.empty()) out.push_back(' ');
    out += tok;
  });
  return out;
}

std::string NormalizeTemplate(std::string_view tmpl) {
  std::string s;
  s.reserve(tmpl.size());
  bool space = false;
  for (char c : tmpl) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
      space = !s.empty();
      continue;
    }
    if (space) s.push_back(' ');
    space = false;
    s.push_back(c);
  }
  // Repeat until stable: "<*>.<*>", "<*><*>", "<*>:<*>", "<*> <*>" -> "<*>".
  for (;;) {
    std::string next;
    next.reserve(s.size());
    size_t r = 0;
    while (r < s.size()) {
      bool after_wildcard = next.size() >= 3 && next.compare(next.size() - 3, 3, kWildcard) == 0;
      if (after_wildcard) {
        if (s.compare(r, 3, kWildcard) == 0) {
          r += 3;
          continue;
        }
        if (r + 4 <= s.size() && (s[r] == '.' || s[r] == ':' || s[r] == ' ') && s.compare(r + 1, 3, kWildcard) == 0) {
          r += 4;
          continue;
        }
      }
      next.push_back(s[r++]);
    }
    if (next == s) return next;
    s = std::move(next);
  }
}

}  // namespace kelola::analyze
