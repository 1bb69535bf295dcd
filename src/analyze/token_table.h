// Interned template tokens: each distinct token text gets a small integer id,
// so the miner compares tokens as integers. Id 0 is the wildcard "<*>".
//
// Only tokens that appear in some template are interned; a line's tokens are
// looked up with Find() and never inserted, so the table grows with the
// number of templates, not with the number of distinct values seen.
//
// Not thread-safe; the TemplateMiner's mutex guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kelola::analyze {

class TokenTable {
 public:
  static constexpr uint32_t kWildcardId = 0;
  static constexpr uint32_t kNotFound = UINT32_MAX;

  TokenTable();

  // The id of `text`, or kNotFound.
  uint32_t Find(std::string_view text) const;
  uint32_t Intern(std::string_view text);
  std::string_view Text(uint32_t id) const { return texts_[id]; }
  // For a token with exactly one wildcard inside ("uid=<*>", "[<*>]"), true
  // when `text` has the same prefix and suffix around a non-empty middle.
  bool PatternMatches(uint32_t id, std::string_view text) const;
  bool IsPattern(uint32_t id) const { return infos_[id].pattern; }
  size_t size() const { return texts_.size(); }

 private:
  struct Info {
    bool pattern = false;
    uint32_t prefix = 0;
    uint32_t suffix = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::deque<std::string> texts_;  // a deque never moves its elements: the map's views stay valid
  std::deque<Info> infos_;
  std::unordered_map<std::string_view, uint32_t, Hash, std::equal_to<>> ids_;
};

}  // namespace kelola::analyze
