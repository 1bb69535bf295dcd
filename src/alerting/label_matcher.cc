#include "alerting/label_matcher.h"

#include <re2/re2.h>

namespace kelola {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
  return out;
}

class MatcherParser {
 public:
  explicit MatcherParser(std::string_view text) : text_(text) {}

  Result<Matchers> Parse() {
    Matchers out;
    SkipBlanks();
    bool braces = Eat('{');
    while (true) {
      SkipBlanks();
      if (AtEnd() || (braces && Peek() == '}')) break;
      KELOLA_ASSIGN_OR_RETURN(LabelMatcher m, ParseOne(braces));
      out.push_back(std::move(m));
      SkipBlanks();
      if (Eat(',')) continue;
      if (AtEnd() || (braces && Peek() == '}')) break;
      return Error("expected ',' between matchers");
    }
    if (braces && !Eat('}')) return Error("expected '}' to close the matcher list");
    SkipBlanks();
    if (!AtEnd()) return Error("unexpected text after the matcher list");
    return out;
  }

 private:
  Result<LabelMatcher> ParseOne(bool braces) {
    size_t name_at = pos_;
    std::string name;
    if (Peek() == '"') {
      KELOLA_ASSIGN_OR_RETURN(name, QuotedString());
    } else {
      while (!AtEnd() && IsNameChar(Peek())) name += text_[pos_++];
    }
    if (name.empty()) return Error("expected a label name");
    SkipBlanks();
    LabelMatcher::Op op;
    if (Eat2("=~")) {
      op = LabelMatcher::Op::kRegex;
    } else if (Eat2("!~")) {
      op = LabelMatcher::Op::kNotRegex;
    } else if (Eat2("!=")) {
      op = LabelMatcher::Op::kNotEqual;
    } else if (Eat('=')) {
      op = LabelMatcher::Op::kEqual;
    } else {
      return Error("expected an operator (=, !=, =~, !~) after the label name " + Quote(name));
    }
    SkipBlanks();
    std::string value;
    if (!AtEnd() && Peek() == '"') {
      KELOLA_ASSIGN_OR_RETURN(value, QuotedString());
    } else {
      while (!AtEnd() && Peek() != ',' && !(braces && Peek() == '}')) {
        if (Peek() == '"') return Error("unexpected '\"' inside an unquoted value");
        value += text_[pos_++];
      }
      while (!value.empty() && IsBlank(value.back())) value.pop_back();
    }
    auto m = LabelMatcher::Make(std::move(name), op, std::move(value));
    if (!m.ok()) return InvalidArgumentError("at offset " + std::to_string(name_at) + ": " + m.status().message());
    return m;
  }

  Result<std::string> QuotedString() {
    size_t start = pos_;
    ++pos_;  // the opening quote
    std::string out;
    while (!AtEnd()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (AtEnd()) break;
      char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        default:
          // Regexes keep their own escapes: `\d` stays `\d`.
          out += '\\';
          out += e;
      }
    }
    pos_ = start;
    return Error("unterminated quoted string");
  }

  Status Error(const std::string& what) const {
    return InvalidArgumentError("at offset " + std::to_string(pos_) + ": " + what);
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  bool Eat(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool Eat2(std::string_view two) {
    if (text_.substr(pos_, 2) != two) return false;
    pos_ += 2;
    return true;
  }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(text_[pos_])) ++pos_;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

bool IsLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::string_view MatcherOpText(LabelMatcher::Op op) {
  switch (op) {
    case LabelMatcher::Op::kEqual: return "=";
    case LabelMatcher::Op::kNotEqual: return "!=";
    case LabelMatcher::Op::kRegex: return "=~";
    case LabelMatcher::Op::kNotRegex: return "!~";
  }
  return "=";
}

Result<LabelMatcher> LabelMatcher::Make(std::string name, Op op, std::string value) {
  if (!IsLabelName(name)) {
    return InvalidArgumentError("label name " + Quote(name) + " must match [a-zA-Z_][a-zA-Z0-9_]*");
  }
  LabelMatcher m;
  m.name_ = std::move(name);
  m.op_ = op;
  m.value_ = std::move(value);
  if (op == Op::kRegex || op == Op::kNotRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<RE2>("^(?:" + m.value_ + ")$", options);
    if (!re->ok()) {
      return InvalidArgumentError("regex " + Quote(m.value_) + " of label " + m.name_ + ": " + re->error());
    }
    m.re_ = std::move(re);
  }
  return m;
}

bool LabelMatcher::MatchesValue(std::string_view value) const {
  switch (op_) {
    case Op::kEqual: return value == value_;
    case Op::kNotEqual: return value != value_;
    case Op::kRegex: return RE2::FullMatch(value, *re_);
    case Op::kNotRegex: return !RE2::FullMatch(value, *re_);
  }
  return false;
}

bool LabelMatcher::Matches(const LabelSet& labels) const {
  auto it = labels.find(name_);
  return MatchesValue(it == labels.end() ? std::string_view() : std::string_view(it->second));
}

std::string LabelMatcher::ToString() const { return name_ + std::string(MatcherOpText(op_)) + Quote(value_); }

Result<Matchers> ParseMatchers(std::string_view text) { return MatcherParser(text).Parse(); }

Result<LabelMatcher> ParseMatcher(std::string_view text) {
  KELOLA_ASSIGN_OR_RETURN(Matchers list, ParseMatchers(text));
  if (list.size() != 1) {
    return InvalidArgumentError("expected exactly one matcher, got " + std::to_string(list.size()));
  }
  return std::move(list[0]);
}

bool MatchesAll(const Matchers& matchers, const LabelSet& labels) {
  for (const LabelMatcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

std::string FormatMatchers(const Matchers& matchers) {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i) out += ", ";
    out += matchers[i].ToString();
  }
  return out + "}";
}

}  // namespace kelola
