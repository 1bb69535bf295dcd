// DockerIgnore: the patterns of a build context's .dockerignore file,
// applied as the Docker CLI applies them (moby/patternmatcher):
// - a line whose first character is '#' is a comment; lines are trimmed;
//   blank lines are skipped; a leading '!' makes an exception (re-include);
// - each pattern is cleaned like Go's filepath.Clean and a leading '/' is
//   dropped, so "/foo", "./foo" and "foo/" all mean "foo";
// - '*' matches any run of characters except '/', '?' one character except
//   '/', "[...]" a character class ('^' negates; never matches '/'), '\'
//   escapes the next character, "**/" any number of directories (zero
//   included) and a trailing "**" anything;
// - a pattern matches a path when it matches the path itself or one of its
//   parent directories ("node_modules" excludes everything below it);
// - the last matching line decides, so a later "!" line re-includes.
//
// Paths are relative to the context root, '/'-separated, without a leading
// "./". Errors: Parse() returns InvalidArgument naming the line for a bare
// "!", an unterminated '[' or a trailing '\'. Matching costs
// O(pattern length x path length) per pattern, with no backtracking, so
// hostile patterns cannot make it slow. Thread-safety: const methods are
// safe to call concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kelola::docker {

class DockerIgnore {
 public:
  static Result<DockerIgnore> Parse(std::string_view text);

  // Whether `path` (relative to the context root) is left out of the context.
  bool Excludes(std::string_view path) const;
  bool has_exceptions() const { return has_exceptions_; }
  size_t size() const { return rules_.size(); }

  struct Token {
    enum Kind { kLiteral, kStar, kQuestion, kClass, kAnyDirs, kAnything } kind;
    char literal = 0;
    bool negated = false;
    std::vector<std::pair<char, char>> ranges;  // kClass
  };
  struct Rule {
    std::string pattern;  // cleaned, without the '!'
    bool exception = false;
    std::vector<Token> tokens;
  };

 private:
  std::vector<Rule> rules_;
  bool has_exceptions_ = false;
};

// Go's path.Clean for '/'-separated paths ("a//b/./c/.." -> "a/b").
std::string CleanPath(std::string_view path);

}  // namespace kelola::docker
