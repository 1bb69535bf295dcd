// Glob patterns for branch, tag and path filters.
//
//   *   any run of characters except '/'
//   **  any run of characters, '/' included ("docs/**", "**/*.md")
//   ?   one character except '/'
//   everything else matches itself.
//
// Pure and linear in practice: the matcher backtracks only over the last
// star, so hostile patterns from a resource cannot make it explode.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kelola {

bool GlobMatch(std::string_view pattern, std::string_view text);
// True when `patterns` is empty or any pattern matches.
bool AnyGlobMatches(const std::vector<std::string>& patterns, std::string_view text);

}  // namespace kelola
