#include "integrations/loki/loki_labels.h"

#include <cstdint>

namespace kelola {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

class LabelParser {
 public:
  explicit LabelParser(std::string_view text) : s_(text) {}

  Result<LokiLabels> Parse() {
    LokiLabels labels;
    SkipBlanks();
    if (!Eat('{')) return Error("expected '{'");
    SkipBlanks();
    while (!Eat('}')) {
      size_t name_at = pos_;
      std::string name = Name();
      if (name.empty()) return Error("expected a label name or '}'");
      SkipBlanks();
      if (!Eat('=')) return Error("expected '=' after label name \"" + name + "\" (only equality matchers)");
      if (pos_ < s_.size() && (s_[pos_] == '~' || s_[pos_] == '=')) {
        return Error("expected a quoted value after '=' (only equality matchers)");
      }
      SkipBlanks();
      KELOLA_ASSIGN_OR_RETURN(std::string value, Value());
      if (!labels.emplace(name, std::move(value)).second) {
        return InvalidArgumentError("labels: duplicate label name \"" + name + "\" at byte " + std::to_string(name_at));
      }
      SkipBlanks();
      if (Eat(',')) {
        SkipBlanks();
        continue;
      }
      if (pos_ >= s_.size() || s_[pos_] != '}') return Error("expected ',' or '}'");
    }
    SkipBlanks();
    if (pos_ != s_.size()) return Error("unexpected text after '}'");
    return labels;
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgumentError("labels: " + what + " at byte " + std::to_string(pos_));
  }
  void SkipBlanks() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string Name() {
    size_t start = pos_;
    if (pos_ < s_.size() && IsNameStart(s_[pos_])) {
      ++pos_;
      while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  Result<std::string> Value() {
    if (Eat('`')) {
      size_t end = s_.find('`', pos_);
      if (end == std::string_view::npos) return Error("unterminated raw string");
      std::string v(s_.substr(pos_, end - pos_));
      pos_ = end + 1;
      return v;
    }
    if (!Eat('"')) return Error("expected a quoted value");
    std::string v;
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated string");
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return v;
      }
      if (c == '\n') return Error("newline in string");
      if (c != '\\') {
        v.push_back(c);
        ++pos_;
        continue;
      }
      KELOLA_RETURN_IF_ERROR(Escape(v));
    }
  }

  // At a backslash: appends the escaped byte(s) to `v`.
  Status Escape(std::string& v) {
    ++pos_;
    if (pos_ >= s_.size()) return Error("unterminated escape");
    char e = s_[pos_++];
    switch (e) {
      case 'a': v.push_back('\a'); return OkStatus();
      case 'b': v.push_back('\b'); return OkStatus();
      case 'f': v.push_back('\f'); return OkStatus();
      case 'n': v.push_back('\n'); return OkStatus();
      case 'r': v.push_back('\r'); return OkStatus();
      case 't': v.push_back('\t'); return OkStatus();
      case 'v': v.push_back('\v'); return OkStatus();
      case '\\': v.push_back('\\'); return OkStatus();
      case '"': v.push_back('"'); return OkStatus();
      case 'x': {
        KELOLA_ASSIGN_OR_RETURN(uint32_t b, Hex(2));
        v.push_back(static_cast<char>(b));
        return OkStatus();
      }
      case 'u':
      case 'U': {
        KELOLA_ASSIGN_OR_RETURN(uint32_t cp, Hex(e == 'u' ? 4 : 8));
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          pos_ -= e == 'u' ? 4 : 8;
          return Error("escape is not a Unicode code point");
        }
        AppendUtf8(v, cp);
        return OkStatus();
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t b = static_cast<uint32_t>(e - '0');
          for (int i = 0; i < 2; ++i) {
            if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '7') return Error("octal escape needs 3 digits");
            b = b * 8 + static_cast<uint32_t>(s_[pos_++] - '0');
          }
          if (b > 255) return Error("octal escape above \\377");
          v.push_back(static_cast<char>(b));
          return OkStatus();
        }
        --pos_;
        return Error("unknown escape");
    }
  }

  Result<uint32_t> Hex(int digits) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      int h = pos_ < s_.size() ? HexValue(s_[pos_]) : -1;
      if (h < 0) return Error("expected " + std::to_string(digits) + " hex digits in escape");
      v = v * 16 + static_cast<uint32_t>(h);
      ++pos_;
    }
    return v;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Length of the valid UTF-8 sequence at s[i], 0 if none.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || c > 0xf4 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  }
  uint8_t c1 = b(i + 1);
  if (c == 0xe0 && c1 < 0xa0) return 0;   // overlong
  if (c == 0xed && c1 >= 0xa0) return 0;  // surrogate
  if (c == 0xf0 && c1 < 0x90) return 0;   // overlong
  if (c == 0xf4 && c1 >= 0x90) return 0;  // above U+10FFFF
  return n;
}

}  // namespace

Result<LokiLabels> ParseLokiLabels(std::string_view text) { return LabelParser(text).Parse(); }

std::string FormatLokiLabels(const LokiLabels& labels) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ", ";
    first = false;
    out += name;
    out += "=\"";
    for (size_t i = 0; i < value.size();) {
      char c = value[i];
      auto u = static_cast<uint8_t>(c);
      if (c == '\\' || c == '"') {
        out.push_back('\\');
        out.push_back(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else if (u < 0x20 || u == 0x7f) {
        out += "\\x";
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 15]);
      } else if (u >= 0x80) {
        size_t n = Utf8SequenceLength(value, i);
        if (n == 0) {
          out += "\\x";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 15]);
        } else {
          out.append(value, i, n);
          i += n;
          continue;
        }
      } else {
        out.push_back(c);
      }
      ++i;
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

bool IsValidLokiLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::string SanitizeLokiLabelName(std::string_view name) {
  std::string out;
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) out.push_back('_');
  for (char c : name) out.push_back(IsNameChar(c) ? c : '_');
  return out;
}

}  // namespace kelola
