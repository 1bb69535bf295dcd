// Label selectors in the Kubernetes syntax: parsing and matching.
//
//   selector    := "" | requirement ("," requirement)*
//   requirement := key | "!" key | key ("=" | "==" | "!=") value
//                | key ("in" | "notin") "(" value ("," value)* ")"
//
// Keys are [A-Za-z0-9._/-]+, values [A-Za-z0-9._-]* (empty only after =, ==
// or !=). Spaces may surround any token. "!=" and "notin" also match objects
// without the label, as in Kubernetes. Errors name the 1-based column.
#include <cctype>
#include <string_view>

#include "store/store.h"

namespace kelola {

namespace {

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' || c == '/';
}

bool IsValueChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

class SelectorParser {
 public:
  explicit SelectorParser(std::string_view text) : text_(text) {}

  Result<std::vector<LabelRequirement>> Parse() {
    std::vector<LabelRequirement> requirements;
    SkipSpaces();
    if (AtEnd()) return requirements;
    while (true) {
      KELOLA_ASSIGN_OR_RETURN(LabelRequirement requirement, ParseRequirement());
      requirements.push_back(std::move(requirement));
      SkipSpaces();
      if (AtEnd()) return requirements;
      if (Peek() != ',') return Error("expected ',' or end of selector");
      ++pos_;
      SkipSpaces();
      if (AtEnd()) return Error("expected a requirement after ','");
    }
  }

 private:
  Result<LabelRequirement> ParseRequirement() {
    LabelRequirement requirement;
    if (Peek() == '!') {
      ++pos_;
      SkipSpaces();
      KELOLA_ASSIGN_OR_RETURN(requirement.key, ParseKey());
      requirement.op = LabelRequirement::Op::kNotExists;
      return requirement;
    }
    KELOLA_ASSIGN_OR_RETURN(requirement.key, ParseKey());
    SkipSpaces();
    if (AtEnd() || Peek() == ',') {
      requirement.op = LabelRequirement::Op::kExists;
      return requirement;
    }
    if (Peek() == '=' || Peek() == '!') {
      if (Peek() == '!') {
        ++pos_;
        if (AtEnd() || Peek() != '=') return Error("expected '=' after '!'");
        requirement.op = LabelRequirement::Op::kNotEquals;
      } else {
        requirement.op = LabelRequirement::Op::kEquals;
      }
      ++pos_;
      if (requirement.op == LabelRequirement::Op::kEquals && !AtEnd() && Peek() == '=') ++pos_;
      SkipSpaces();
      KELOLA_ASSIGN_OR_RETURN(std::string value, ParseValue(/*allow_empty=*/true));
      requirement.values.push_back(std::move(value));
      return requirement;
    }
    const size_t word_start = pos_;
    std::string_view word = TakeWhile([](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
    if (word == "in") {
      requirement.op = LabelRequirement::Op::kIn;
    } else if (word == "notin") {
      requirement.op = LabelRequirement::Op::kNotIn;
    } else {
      pos_ = word_start;
      return Error("expected one of '=', '==', '!=', 'in', 'notin', ',' or end of selector");
    }
    SkipSpaces();
    if (AtEnd() || Peek() != '(') return Error("expected '(' after '" + std::string(word) + "'");
    ++pos_;
    while (true) {
      SkipSpaces();
      KELOLA_ASSIGN_OR_RETURN(std::string value, ParseValue(/*allow_empty=*/false));
      requirement.values.push_back(std::move(value));
      SkipSpaces();
      if (AtEnd()) return Error("expected ',' or ')' to close the value set");
      if (Peek() == ')') {
        ++pos_;
        return requirement;
      }
      if (Peek() != ',') return Error("expected ',' or ')' in the value set");
      ++pos_;
    }
  }

  Result<std::string> ParseKey() {
    std::string_view key = TakeWhile(IsKeyChar);
    if (key.empty()) return Error("expected a label key");
    return std::string(key);
  }

  Result<std::string> ParseValue(bool allow_empty) {
    std::string_view value = TakeWhile(IsValueChar);
    if (value.empty() && !allow_empty) return Error("expected a label value");
    return std::string(value);
  }

  template <typename Pred>
  std::string_view TakeWhile(Pred pred) {
    const size_t start = pos_;
    while (!AtEnd() && pred(Peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  void SkipSpaces() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  Status Error(const std::string& what) const {
    std::string found = AtEnd() ? "end of selector" : "'" + std::string(1, Peek()) + "'";
    return InvalidArgumentError("label selector \"" + std::string(text_) + "\": " + what + " at column " +
                                std::to_string(pos_ + 1) + ", found " + found);
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<LabelRequirement>> ParseLabelSelector(const std::string& text) {
  return SelectorParser(text).Parse();
}

bool MatchesSelector(const std::map<std::string, std::string>& labels, const std::vector<LabelRequirement>& selector) {
  for (const LabelRequirement& requirement : selector) {
    auto it = labels.find(requirement.key);
    const bool present = it != labels.end();
    auto in_values = [&] {
      for (const std::string& v : requirement.values) {
        if (v == it->second) return true;
      }
      return false;
    };
    bool ok = false;
    switch (requirement.op) {
      case LabelRequirement::Op::kExists: ok = present; break;
      case LabelRequirement::Op::kNotExists: ok = !present; break;
      case LabelRequirement::Op::kEquals:
        ok = present && !requirement.values.empty() && it->second == requirement.values.front();
        break;
      case LabelRequirement::Op::kNotEquals:
        ok = !present || requirement.values.empty() || it->second != requirement.values.front();
        break;
      case LabelRequirement::Op::kIn: ok = present && in_values(); break;
      case LabelRequirement::Op::kNotIn: ok = !present || !in_values(); break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace kelola
