#include "integrations/docker/dockerignore.h"

#include <algorithm>

namespace kelola::docker {
namespace {

using Token = DockerIgnore::Token;

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Parses one '[...]' class starting after the '['; advances `i` past ']'.
Result<Token> ParseClass(std::string_view p, size_t& i) {
  Token t{Token::kClass};
  if (i < p.size() && p[i] == '^') {
    t.negated = true;
    ++i;
  }
  bool first = true;
  while (true) {
    if (i >= p.size()) return InvalidArgumentError("unterminated character class '['");
    char c = p[i];
    if (c == ']' && !first) {
      ++i;
      break;
    }
    first = false;
    if (c == '\\') {
      if (++i >= p.size()) return InvalidArgumentError("'\\' at the end of a character class");
      c = p[i];
    }
    ++i;
    char hi = c;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      hi = p[i + 1];
      i += 2;
      if (hi == '\\') {
        if (i >= p.size()) return InvalidArgumentError("'\\' at the end of a character class");
        hi = p[i++];
      }
      if (hi < c) return InvalidArgumentError("character class range runs backwards");
    }
    t.ranges.emplace_back(c, hi);
  }
  return t;
}

Result<std::vector<Token>> Tokenize(std::string_view p) {
  std::vector<Token> tokens;
  for (size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '*') {
      if (i + 1 < p.size() && p[i + 1] == '*') {
        i += 2;
        while (i < p.size() && p[i] == '*') ++i;  // "***" is "**"
        if (i < p.size() && p[i] == '/') ++i;     // "**/" is "**"
        tokens.push_back(Token{i >= p.size() ? Token::kAnything : Token::kAnyDirs});
      } else {
        ++i;
        tokens.push_back(Token{Token::kStar});
      }
    } else if (c == '?') {
      ++i;
      tokens.push_back(Token{Token::kQuestion});
    } else if (c == '[') {
      ++i;
      KELOLA_ASSIGN_OR_RETURN(Token t, ParseClass(p, i));
      tokens.push_back(std::move(t));
    } else if (c == '\\') {
      if (i + 1 >= p.size()) return InvalidArgumentError("'\\' at the end of the pattern");
      Token t{Token::kLiteral};
      t.literal = p[i + 1];
      tokens.push_back(t);
      i += 2;
    } else {
      Token t{Token::kLiteral};
      t.literal = c;
      tokens.push_back(t);
      ++i;
    }
  }
  return tokens;
}

bool ClassMatches(const Token& t, char c) {
  if (c == '/') return false;
  bool in = std::any_of(t.ranges.begin(), t.ranges.end(),
                        [c](const std::pair<char, char>& r) { return c >= r.first && c <= r.second; });
  return in != t.negated;
}

// Anchored match of the whole of `s`, by dynamic programming over
// (token, position): row t says whether tokens[t..] match s[i..].
bool MatchTokens(const std::vector<Token>& tokens, std::string_view s) {
  const size_t n = s.size();
  std::vector<char> next(n + 1, 0), cur(n + 1, 0);
  next[n] = 1;  // no tokens left: only the empty rest matches
  for (size_t t = tokens.size(); t-- > 0;) {
    const Token& tok = tokens[t];
    std::fill(cur.begin(), cur.end(), 0);
    switch (tok.kind) {
      case Token::kLiteral:
        for (size_t i = 0; i < n; ++i) cur[i] = s[i] == tok.literal && next[i + 1];
        break;
      case Token::kQuestion:
        for (size_t i = 0; i < n; ++i) cur[i] = s[i] != '/' && next[i + 1];
        break;
      case Token::kClass:
        for (size_t i = 0; i < n; ++i) cur[i] = ClassMatches(tok, s[i]) && next[i + 1];
        break;
      case Token::kStar:
        cur[n] = next[n];
        for (size_t i = n; i-- > 0;) cur[i] = next[i] || (s[i] != '/' && cur[i + 1]);
        break;
      case Token::kAnything:
        cur[n] = next[n];
        for (size_t i = n; i-- > 0;) cur[i] = next[i] || cur[i + 1];
        break;
      case Token::kAnyDirs: {
        // "(.*/)?": nothing, or any run ending in '/'.
        bool reachable = false;  // some j > i with s[j-1] == '/' and next[j]
        cur[n] = next[n];
        for (size_t i = n; i-- > 0;) {
          if (s[i] == '/' && next[i + 1]) reachable = true;
          cur[i] = next[i] || reachable;
        }
        break;
      }
    }
    std::swap(cur, next);
  }
  return next[0] != 0;
}

}  // namespace

std::string CleanPath(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path.front() == '/';
  std::vector<std::string_view> parts;
  size_t dotdots = 0;  // leading ".." kept in a relative path
  while (!path.empty()) {
    const size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.size() > dotdots) {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
        ++dotdots;
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

Result<DockerIgnore> DockerIgnore::Parse(std::string_view text) {
  DockerIgnore ignore;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.front() == '#') continue;
    line = Trim(line);
    if (line.empty()) continue;
    Rule rule;
    if (line.front() == '!') {
      rule.exception = true;
      line = Trim(line.substr(1));
      if (line.empty()) {
        return InvalidArgumentError(".dockerignore line " + std::to_string(line_no) +
                                    ": a bare \"!\" excludes nothing");
      }
    }
    std::string pattern = CleanPath(line);
    if (pattern.size() > 1 && pattern.front() == '/') pattern.erase(0, 1);
    auto tokens = Tokenize(pattern);
    if (!tokens.ok()) {
      return InvalidArgumentError(".dockerignore line " + std::to_string(line_no) + ": " + tokens.status().message() +
                                  " in \"" + pattern + "\"");
    }
    rule.pattern = std::move(pattern);
    rule.tokens = std::move(*tokens);
    ignore.has_exceptions_ = ignore.has_exceptions_ || rule.exception;
    ignore.rules_.push_back(std::move(rule));
  }
  return ignore;
}

bool DockerIgnore::Excludes(std::string_view path) const {
  const std::string clean = CleanPath(path);
  std::string_view p = clean;
  if (p.size() > 1 && p.front() == '/') p.remove_prefix(1);
  bool excluded = false;
  for (const Rule& rule : rules_) {
    bool match = MatchTokens(rule.tokens, p);
    // ...or one of its parent directories.
    for (size_t slash = p.find('/'); !match && slash != std::string_view::npos; slash = p.find('/', slash + 1)) {
      match = MatchTokens(rule.tokens, p.substr(0, slash));
    }
    if (match) excluded = !rule.exception;
  }
  return excluded;
}

}  // namespace kelola::docker
