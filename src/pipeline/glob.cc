#include "pipeline/glob.h"

namespace kelola {
namespace {

// Matches with memoisation over (pattern index, text index): O(p * t) at
// worst, whatever the number of stars.
bool MatchFrom(std::string_view p, std::string_view t, size_t pi, size_t ti, std::vector<signed char>& memo) {
  const size_t key = pi * (t.size() + 1) + ti;
  if (memo[key] >= 0) return memo[key] != 0;
  bool result = false;
  if (pi == p.size()) {
    result = ti == t.size();
  } else if (p[pi] == '*') {
    const bool double_star = pi + 1 < p.size() && p[pi + 1] == '*';
    size_t next = pi + (double_star ? 2 : 1);
    // "**/" also matches nothing at all, so "**/*.md" matches "a.md".
    if (double_star && next < p.size() && p[next] == '/' && MatchFrom(p, t, next + 1, ti, memo)) {
      result = true;
    } else {
      for (size_t k = ti;; ++k) {
        if (MatchFrom(p, t, next, k, memo)) {
          result = true;
          break;
        }
        if (k == t.size() || (!double_star && t[k] == '/')) break;
      }
    }
  } else if (ti < t.size() && (p[pi] == '?' ? t[ti] != '/' : p[pi] == t[ti])) {
    result = MatchFrom(p, t, pi + 1, ti + 1, memo);
  }
  memo[key] = result ? 1 : 0;
  return result;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  if (pattern.size() > 1024 || text.size() > 4096) return pattern == text;
  std::vector<signed char> memo((pattern.size() + 1) * (text.size() + 1), -1);
  return MatchFrom(pattern, text, 0, 0, memo);
}

bool AnyGlobMatches(const std::vector<std::string>& patterns, std::string_view text) {
  if (patterns.empty()) return true;
  for (const auto& p : patterns) {
    if (GlobMatch(p, text)) return true;
  }
  return false;
}

}  // namespace kelola
