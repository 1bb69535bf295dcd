#include "analyze/token_table.h"

#include "analyze/token_masker.h"

namespace kelola::analyze {

TokenTable::TokenTable() { Intern(kWildcard); }

uint32_t TokenTable::Find(std::string_view text) const {
  auto it = ids_.find(text);
  return it == ids_.end() ? kNotFound : it->second;
}

uint32_t TokenTable::Intern(std::string_view text) {
  auto it = ids_.find(text);
  if (it != ids_.end()) return it->second;
  auto id = static_cast<uint32_t>(texts_.size());
  const std::string& stored = texts_.emplace_back(text);
  Info info;
  size_t w = stored.find(kWildcard);
  if (w != std::string::npos && stored.size() > kWildcard.size() &&
      stored.find(kWildcard, w + kWildcard.size()) == std::string::npos) {
    info.pattern = true;
    info.prefix = static_cast<uint32_t>(w);
    info.suffix = static_cast<uint32_t>(stored.size() - w - kWildcard.size());
  }
  infos_.push_back(info);
  ids_.emplace(std::string_view(stored), id);
  return id;
}

bool TokenTable::PatternMatches(uint32_t id, std::string_view text) const {
  const Info& info = infos_[id];
  if (!info.pattern || text.size() <= size_t{info.prefix} + info.suffix) return false;
  std::string_view t = texts_[id];
  return text.compare(0, info.prefix, t, 0, info.prefix) == 0 &&
         text.compare(text.size() - info.suffix, info.suffix, t, t.size() - info.suffix, info.suffix) == 0;
}

}  // namespace kelola::analyze
