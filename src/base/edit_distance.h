// Levenshtein distance between two short strings, for "did you mean ...?"
// hints on unknown keys (config files, ssh inventories).
//
// Thread-safety: a pure function. Cost O(|a| * |b|) time, O(|b|) memory, so
// callers bound the lengths they compare.
#pragma once

#include <cstddef>
#include <string_view>

namespace kelola {

// The fewest single-character insertions, deletions and substitutions that
// turn `a` into `b`.
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace kelola
