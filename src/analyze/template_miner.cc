#include "analyze/template_miner.h"

#include <algorithm>

#include "analyze/token_masker.h"

namespace kelola::analyze {
namespace {

constexpr uint32_t kNone = UINT32_MAX - 1;  // no token at this tree level

// A shared prefix kept when two tokens differ ends with one of these:
// "user=", "environment:", "MININT-", "(", "[".
bool IsPrefixEnd(char c) {
  return c == '=' || c == ':' || c == '-' || c == '(' || c == '[' || c == '{' || c == '@' || c == '#' || c == '/' ||
         c == '"' || c == '\'' || c == '<';
}
bool IsAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

TemplateMiner::TemplateMiner(MinerOptions options) : options_(options) {
  buf_.reserve(4096);
  spans_.reserve(64);
  ids_.reserve(64);
}

void TemplateMiner::MaskInto(std::string_view line) {
  buf_.clear();
  spans_.clear();
  ids_.clear();
  bool prev_wildcard = false;
  bool full = false;
  ForEachToken(line, [&](std::string_view t) {
    if (full) return;
    const size_t start = buf_.size();
    if (spans_.size() + 1 == options_.max_tokens) {
      // The last slot stands for the rest of the line.
      full = true;
      if (prev_wildcard) return;
      buf_.append(kWildcard);
    } else {
      MaskToken(t, buf_);
    }
    const bool wildcard = buf_.size() - start == kWildcard.size() && buf_.compare(start, 3, kWildcard) == 0;
    if (wildcard && prev_wildcard) {
      buf_.resize(start);
      return;
    }
    prev_wildcard = wildcard;
    spans_.emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(buf_.size() - start));
  });
  for (size_t i = 0; i < spans_.size(); ++i) {
    std::string_view t = LineToken(i);
    ids_.push_back(t == kWildcard ? TokenTable::kWildcardId : tokens_.Find(t));
  }
}

TemplateMiner::LeafKey TemplateMiner::KeyFor(bool for_insert) const {
  const auto n = static_cast<uint32_t>(ids_.size());
  LeafKey key{n, kNone, kNone};
  if (options_.leading_tokens >= 1 && n >= 1) {
    key.first = ids_[0];
    if (!for_insert && !leaves_.contains(LeafKey{n, key.first, kNone})) {
      if (leaves_.contains(LeafKey{n, TokenTable::kWildcardId, kNone})) key.first = TokenTable::kWildcardId;
    }
  }
  if (options_.leading_tokens >= 2 && n >= 2) {
    key.second = ids_[1];
    if (!for_insert && !leaves_.contains(key)) {
      LeafKey wild{n, key.first, TokenTable::kWildcardId};
      if (leaves_.contains(wild)) key.second = TokenTable::kWildcardId;
    }
  }
  return key;
}

int TemplateMiner::BestCluster(const std::vector<uint32_t>& leaf) const {
  const size_t n = ids_.size();
  int best = -1;
  size_t best_match = 0;
  size_t best_params = 0;
  for (uint32_t index : leaf) {
    const Cluster& c = clusters_[index];
    size_t match = 0;
    size_t params = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t tt = c.tokens[i];
      const uint32_t lt = ids_[i];
      if (tt == TokenTable::kWildcardId) {
        ++params;
        match += lt == TokenTable::kWildcardId;
      } else if (tt == lt || (tokens_.IsPattern(tt) && tokens_.PatternMatches(tt, LineToken(i)))) {
        ++match;
      }
    }
    if (best < 0 || match > best_match || (match == best_match && params > best_params)) {
      best = static_cast<int>(index);
      best_match = match;
      best_params = params;
    }
  }
  if (best < 0) return -1;
  if (n == 0) return best;
  return static_cast<double>(best_match) >= options_.similarity * static_cast<double>(n) ? best : -1;
}

uint32_t TemplateMiner::Generalize(uint32_t template_token, std::string_view b) {
  if (template_token == TokenTable::kWildcardId) return template_token;
  std::string_view a = tokens_.Text(template_token);
  const size_t wildcard_at = a.find(kWildcard);
  const size_t prefix_limit = wildcard_at == std::string_view::npos ? a.size() : wildcard_at;
  size_t p = 0;
  while (p < prefix_limit && p < b.size() && a[p] == b[p]) ++p;
  while (p > 0 && !IsPrefixEnd(a[p - 1])) --p;
  const size_t suffix_from = wildcard_at == std::string_view::npos ? p : wildcard_at + kWildcard.size();
  size_t s = 0;
  while (s < a.size() - suffix_from && s < b.size() - std::min(p, b.size()) &&
         a[a.size() - 1 - s] == b[b.size() - 1 - s]) {
    ++s;
  }
  // Keep only a punctuation suffix ("]", "),"): a shared word at the end is
  // more often part of the value (a domain) than of the template.
  size_t keep = 0;
  while (keep < s && !IsAlnum(a[a.size() - 1 - keep])) ++keep;
  std::string g;
  g.reserve(p + kWildcard.size() + keep);
  g.append(a.substr(0, p));
  g.append(kWildcard);
  g.append(a.substr(a.size() - keep));
  g = NormalizeTemplate(g);
  return g == kWildcard ? TokenTable::kWildcardId : tokens_.Intern(g);
}

std::string TemplateMiner::ClusterText(const Cluster& c) const {
  std::string text;
  for (uint32_t t : c.tokens) {
    if (!text.empty()) text.push_back(' ');
    text.append(tokens_.Text(t));
  }
  return NormalizeTemplate(text);
}

void TemplateMiner::Retarget(uint32_t cluster_index) {
  std::string text = ClusterText(clusters_[cluster_index]);
  const uint32_t current = clusters_[cluster_index].template_index;
  if (templates_[current].text == text) return;
  auto it = by_text_.find(text);
  if (it != by_text_.end()) {
    const uint32_t target = it->second;
    clusters_[cluster_index].template_index = target;
    templates_[target].clusters++;
    Template& old = templates_[current];
    if (--old.clusters == 0) {
      Template& into = templates_[target];
      old.alias_of = into.id;
      into.count += old.count;
      into.first_seen_ms = std::min(into.first_seen_ms, old.first_seen_ms);
      into.last_seen_ms = std::max(into.last_seen_ms, old.last_seen_ms);
      by_text_.erase(old.text);
    }
    return;
  }
  if (templates_[current].clusters == 1) {
    by_text_.erase(templates_[current].text);
    templates_[current].text = text;
    by_text_.emplace(std::move(text), current);
    return;
  }
  templates_[current].clusters--;
  const auto index = static_cast<uint32_t>(templates_.size());
  Template t;
  t.id = index + 1;
  t.text = text;
  t.clusters = 1;
  templates_.push_back(std::move(t));
  by_text_.emplace(std::move(text), index);
  clusters_[cluster_index].template_index = index;
}

uint32_t TemplateMiner::NewCluster(std::string_view line, int64_t time_ms) {
  for (size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == TokenTable::kNotFound) ids_[i] = tokens_.Intern(LineToken(i));
  }
  const LeafKey key = KeyFor(true);
  const auto cluster_index = static_cast<uint32_t>(clusters_.size());
  clusters_.push_back(Cluster{ids_, 0});
  std::string text = ClusterText(clusters_.back());
  uint32_t template_index;
  auto it = by_text_.find(text);
  if (it != by_text_.end()) {
    template_index = it->second;
  } else {
    template_index = static_cast<uint32_t>(templates_.size());
    Template t;
    t.id = template_index + 1;
    t.text = text;
    templates_.push_back(std::move(t));
    by_text_.emplace(std::move(text), template_index);
  }
  templates_[template_index].clusters++;
  clusters_.back().template_index = template_index;
  leaves_[key].push_back(cluster_index);
  if (key.second != kNone) leaves_.try_emplace(LeafKey{key.length, key.first, kNone});
  Count(templates_[template_index], line, time_ms);
  return template_index;
}

void TemplateMiner::Count(Template& t, std::string_view line, int64_t time_ms) {
  if (t.count == 0 || time_ms < t.first_seen_ms) t.first_seen_ms = time_ms;
  if (t.count == 0 || time_ms > t.last_seen_ms) t.last_seen_ms = time_ms;
  if (t.example.empty()) t.example.assign(line.substr(0, options_.max_example_bytes));
  ++t.count;
}

uint64_t TemplateMiner::Add(std::string_view line, int64_t time_ms) {
  std::lock_guard lock(mu_);
  MaskInto(line);
  auto leaf = leaves_.find(KeyFor(false));
  if (leaf != leaves_.end()) {
    int best = BestCluster(leaf->second);
    if (best >= 0) {
      bool changed = false;
      for (size_t i = 0; i < ids_.size(); ++i) {
        const uint32_t tt = clusters_[best].tokens[i];
        if (tt == ids_[i] || tt == TokenTable::kWildcardId) continue;
        if (tokens_.IsPattern(tt) && tokens_.PatternMatches(tt, LineToken(i))) continue;
        const uint32_t g = Generalize(tt, LineToken(i));
        if (g != tt) {
          clusters_[best].tokens[i] = g;
          changed = true;
        }
      }
      if (changed) Retarget(static_cast<uint32_t>(best));
      Template& t = templates_[clusters_[best].template_index];
      Count(t, line, time_ms);
      return t.id;
    }
  }
  if (clusters_.size() >= options_.max_clusters) return 0;
  return templates_[NewCluster(line, time_ms)].id;
}

const TemplateMiner::Template* TemplateMiner::Find(uint64_t id) const {
  // Alias chains are short: a template is aliased once, into a live one
  // that may itself be aliased later.
  while (id >= 1 && id <= templates_.size()) {
    const Template& t = templates_[id - 1];
    if (t.alias_of == 0) return &t;
    id = t.alias_of;
  }
  return nullptr;
}

uint64_t TemplateMiner::Resolve(uint64_t id) const {
  std::lock_guard lock(mu_);
  const Template* t = Find(id);
  return t ? t->id : 0;
}

TemplateInfo TemplateMiner::Info(const Template& t) const {
  return TemplateInfo{t.id, t.text, t.count, t.first_seen_ms, t.last_seen_ms, t.example};
}

std::optional<TemplateInfo> TemplateMiner::Get(uint64_t id) const {
  std::lock_guard lock(mu_);
  const Template* t = Find(id);
  if (!t) return std::nullopt;
  return Info(*t);
}

std::vector<TemplateInfo> TemplateMiner::Templates() const {
  std::lock_guard lock(mu_);
  std::vector<TemplateInfo> out;
  for (const Template& t : templates_) {
    if (t.alias_of == 0 && t.clusters > 0) out.push_back(Info(t));
  }
  return out;
}

size_t TemplateMiner::template_count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Template& t : templates_) n += t.alias_of == 0 && t.clusters > 0;
  return n;
}

}  // namespace kelola::analyze
