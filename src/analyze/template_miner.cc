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

// True when one token is the other with its value left out: "()" and
// "(web-1)", "rhost=" and "rhost=<*>". An empty value and a present one make
// different templates (Loghub-2.0 aligns "<*>" that match nothing away).
bool EmptyVersusValue(std::string_view a, std::string_view b) {
  if (a.size() == b.size()) return false;
  std::string_view shell = a.size() < b.size() ? a : b;
  std::string_view full = a.size() < b.size() ? b : a;
  size_t p = 0;
  while (p < shell.size() && shell[p] == full[p]) ++p;
  while (p > 0 && !IsPrefixEnd(shell[p - 1])) --p;
  size_t q = 0;
  while (q < shell.size() - p && shell[shell.size() - 1 - q] == full[full.size() - 1 - q] &&
         !IsAlnum(shell[shell.size() - 1 - q])) {
    ++q;
  }
  return p + q == shell.size() && (p > 0 || q > 0);
}

// An upper-case identifier (HTTPS, SOCKS5, FOLLOWING, RUNNING) names one of
// a few states or kinds: a different one is a different event, not a value.
bool IsUpperWord(std::string_view s) {
  size_t upper = 0;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') {
      ++upper;
    } else if (!((c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return upper >= 2;
}

// Units that follow a number: "3 ms", "1.16 KB", "120 bytes".
bool IsUnitWord(std::string_view s) {
  static constexpr std::string_view kUnits[] = {"B",    "KB",     "MB",      "GB",  "TB",   "kB",      "KiB", "MiB",
                                                "GiB",  "bytes",  "byte",    "ms",  "us",   "ns",      "s",   "sec",
                                                "secs", "second", "seconds", "min", "mins", "minutes", "h",   "hours"};
  for (std::string_view u : kUnits) {
    if (s == u) return true;
  }
  return false;
}

// A token that carries only a value: a wildcard or a unit, with punctuation
// around it ("(<*>", "KB)", "sec").
bool IsValueToken(std::string_view s, bool* has_wildcard) {
  std::string word;
  bool wildcard = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, kWildcard.size(), kWildcard) == 0) {
      wildcard = true;
      i += kWildcard.size() - 1;
    } else if (IsAlnum(s[i])) {
      word.push_back(s[i]);
    }
  }
  *has_wildcard = wildcard;
  return word.empty() || IsUnitWord(word);
}

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
    ids_.push_back(wildcard ? TokenTable::kWildcardId
                            : tokens_.Find(std::string_view(buf_.data() + start, buf_.size() - start)));
  });
}

TemplateMiner::LeafKey TemplateMiner::KeyFor(bool for_insert) const {
  const auto n = static_cast<uint32_t>(ids_.size());
  LeafKey key{n, kNone, kNone};
  if (options_.leading_tokens >= 1 && n >= 1) key.first = ids_[0];
  if (options_.leading_tokens >= 2 && n >= 2) key.second = ids_[1];
  if (for_insert || leaves_.contains(key)) return key;
  // Like Drain's tree search: a token with no child of its own goes to the
  // wildcard child when there is one.
  if (key.first != kNone && !leaves_.contains(LeafKey{n, key.first, kNone}) &&
      leaves_.contains(LeafKey{n, TokenTable::kWildcardId, kNone})) {
    key.first = TokenTable::kWildcardId;
  }
  if (key.second != kNone && !leaves_.contains(key)) {
    LeafKey wild{n, key.first, TokenTable::kWildcardId};
    if (leaves_.contains(wild)) key.second = TokenTable::kWildcardId;
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
      } else if (IsUpperWord(tokens_.Text(tt)) || EmptyVersusValue(tokens_.Text(tt), LineToken(i))) {
        match = 0;
        break;
      }
    }
    if (match == 0 && n > 0) continue;
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

uint64_t TemplateMiner::LeadKey(const std::vector<uint32_t>& ids) const {
  uint64_t first = options_.leading_tokens >= 1 && !ids.empty() ? ids[0] : kNone;
  uint64_t second = options_.leading_tokens >= 2 && ids.size() >= 2 ? ids[1] : kNone;
  return first << 32 | second;
}

uint32_t TemplateMiner::Live(uint32_t index) const {
  while (templates_[index].alias_of != 0) index = static_cast<uint32_t>(templates_[index].alias_of - 1);
  return index;
}

int TemplateMiner::JoinAcrossLengths() {
  constexpr size_t kMaxTokens = 64;  // the alignment is quadratic; long lines skip it
  const size_t n = ids_.size();
  if (n == 0 || n > kMaxTokens) return -1;
  auto lead = by_lead_.find(LeadKey(ids_));
  if (lead == by_lead_.end()) return -1;
  int best = -1;
  double best_ratio = 0;
  // The newest candidates only: a stream of ever-new lines under one lead
  // must not make each new line cost a pass over every cluster.
  constexpr size_t kMaxCandidates = 256;
  const std::vector<uint32_t>& candidates = lead->second;
  const size_t first = candidates.size() > kMaxCandidates ? candidates.size() - kMaxCandidates : 0;
  for (size_t k = first; k < candidates.size(); ++k) {
    const uint32_t index = candidates[k];
    const Cluster& c = clusters_[index];
    const size_t m = c.tokens.size();
    if (m == n || m > kMaxTokens) continue;
    auto eq = [&](size_t i, size_t j) {
      const uint32_t tt = c.tokens[j];
      return tt == ids_[i] || (tokens_.IsPattern(tt) && tokens_.PatternMatches(tt, LineToken(i)));
    };
    // Longest common subsequence of tokens, then the gaps it leaves.
    lcs_.assign((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint16_t& { return lcs_[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        at(i, j) = eq(i, j) ? static_cast<uint16_t>(at(i + 1, j + 1) + 1) : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    const double ratio = static_cast<double>(at(0, 0)) / static_cast<double>(std::max(n, m));
    if (ratio < options_.similarity || ratio <= best_ratio) continue;
    // Every gap must hold only values and touch a wildcard.
    bool ok = true;
    size_t i = 0, j = 0;
    bool prev_wildcard = false;
    while (ok && (i < n || j < m)) {
      if (i < n && j < m && eq(i, j) && at(i, j) == at(i + 1, j + 1) + 1) {
        prev_wildcard = c.tokens[j] == TokenTable::kWildcardId;
        ++i;
        ++j;
        continue;
      }
      bool gap_wildcard = prev_wildcard;
      while (ok && (i < n || j < m) && !(i < n && j < m && eq(i, j) && at(i, j) == at(i + 1, j + 1) + 1)) {
        bool w = false;
        if (i < n && (j >= m || at(i + 1, j) >= at(i, j + 1))) {
          ok = IsValueToken(LineToken(i), &w);
          ++i;
        } else {
          ok = IsValueToken(tokens_.Text(c.tokens[j]), &w);
          ++j;
        }
        gap_wildcard = gap_wildcard || w;
      }
      if (i < n && j < m) gap_wildcard = gap_wildcard || c.tokens[j] == TokenTable::kWildcardId;
      ok = ok && gap_wildcard;
    }
    if (ok) {
      best = static_cast<int>(index);
      best_ratio = ratio;
    }
  }
  return best;
}

uint32_t TemplateMiner::NewCluster(std::string_view line, int64_t time_ms, int join) {
  for (size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == TokenTable::kNotFound) ids_[i] = tokens_.Intern(LineToken(i));
  }
  const LeafKey key = KeyFor(true);
  const auto cluster_index = static_cast<uint32_t>(clusters_.size());
  clusters_.push_back(Cluster{ids_, 0});
  by_lead_[LeadKey(ids_)].push_back(cluster_index);
  leaves_[key].push_back(cluster_index);
  if (key.second != kNone) leaves_.try_emplace(LeafKey{key.length, key.first, kNone});
  if (join >= 0) {
    const uint32_t template_index = Live(clusters_[static_cast<size_t>(join)].template_index);
    clusters_.back().template_index = template_index;
    clusters_.back().joined = true;
    Count(templates_[template_index], line, time_ms);
    return template_index;
  }
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
  Count(templates_[template_index], line, time_ms);
  return template_index;
}

void TemplateMiner::Count(Template& t, std::string_view line, int64_t time_ms) {
  if (t.count == 0 || time_ms < t.first_seen_ms) t.first_seen_ms = time_ms;
  if (t.count == 0 || time_ms > t.last_seen_ms) t.last_seen_ms = time_ms;
  if (t.example.empty()) t.example.assign(line.substr(0, options_.max_example_bytes));
  ++t.count;
}

bool TemplateMiner::TokenMatches(uint32_t template_token, size_t i) const {
  return template_token == ids_[i] || template_token == TokenTable::kWildcardId ||
         (tokens_.IsPattern(template_token) && tokens_.PatternMatches(template_token, LineToken(i)));
}

int TemplateMiner::WordDifference(const Cluster& c, size_t* position) const {
  int words = 0;
  for (size_t i = 0; i < ids_.size(); ++i) {
    const uint32_t tt = c.tokens[i];
    if (TokenMatches(tt, i)) continue;
    if (tokens_.Text(tt).find(kWildcard) != std::string_view::npos) continue;
    if (LineToken(i).find(kWildcard) != std::string_view::npos) continue;
    bool w = false;
    if (IsValueToken(tokens_.Text(tt), &w) && IsValueToken(LineToken(i), &w)) continue;  // "B" vs "KB"
    ++words;
    *position = i;
  }
  return words;
}

bool TemplateMiner::EnoughValuesAt(const std::vector<uint32_t>& leaf, uint32_t best, size_t position) {
  // The line and `best` give two values at `position`; other clusters that
  // agree with the line everywhere else give one more each.
  siblings_.clear();
  for (uint32_t index : leaf) {
    if (index == best) continue;
    const Cluster& c = clusters_[index];
    bool same = true;
    for (size_t i = 0; i < ids_.size() && same; ++i) same = i == position || TokenMatches(c.tokens[i], i);
    if (same && c.tokens[position] != TokenTable::kWildcardId) siblings_.push_back(index);
  }
  return siblings_.size() + 2 >= options_.min_distinct_values;
}

void TemplateMiner::Absorb(uint32_t cluster_index, uint32_t template_index) {
  Cluster& c = clusters_[cluster_index];
  const uint32_t old = Live(c.template_index);
  if (old == template_index) return;
  if (!c.joined && --templates_[old].clusters == 0) {
    Template& from = templates_[old];
    Template& into = templates_[template_index];
    from.alias_of = into.id;
    into.count += from.count;
    into.first_seen_ms = std::min(into.first_seen_ms, from.first_seen_ms);
    into.last_seen_ms = std::max(into.last_seen_ms, from.last_seen_ms);
    by_text_.erase(from.text);
  }
  c.joined = true;
  c.template_index = template_index;
}

uint64_t TemplateMiner::Add(std::string_view line, int64_t time_ms) {
  std::lock_guard lock(mu_);
  dirty_ = true;
  MaskInto(line);
  auto leaf = leaves_.find(KeyFor(false));
  if (leaf != leaves_.end()) {
    int best = BestCluster(leaf->second);
    size_t position = 0;
    // A differing word becomes a variable only once enough distinct words
    // were seen there: "bytes"/"values" stay two templates, user names merge.
    const int words = best >= 0 ? WordDifference(clusters_[best], &position) : 0;
    if (best >= 0 && words == 1 && !EnoughValuesAt(leaf->second, static_cast<uint32_t>(best), position)) best = -1;
    if (best >= 0 && words > 1) best = -1;
    if (best >= 0) {
      bool changed = false;
      for (size_t i = 0; i < ids_.size(); ++i) {
        const uint32_t tt = clusters_[best].tokens[i];
        if (TokenMatches(tt, i)) continue;
        const uint32_t g = Generalize(tt, LineToken(i));
        if (g != tt) {
          clusters_[best].tokens[i] = g;
          changed = true;
        }
      }
      if (changed && !clusters_[best].joined) Retarget(static_cast<uint32_t>(best));
      const uint32_t template_index = Live(clusters_[best].template_index);
      if (words == 1) {
        for (uint32_t sibling : siblings_) Absorb(sibling, template_index);
      }
      Template& t = templates_[template_index];
      Count(t, line, time_ms);
      return t.id;
    }
  }
  if (clusters_.size() >= options_.max_clusters) return 0;
  return templates_[NewCluster(line, time_ms, JoinAcrossLengths())].id;
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

bool TemplateMiner::dirty() const {
  std::lock_guard lock(mu_);
  return dirty_;
}

size_t TemplateMiner::template_count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Template& t : templates_) n += t.alias_of == 0 && t.clusters > 0;
  return n;
}

}  // namespace kelola::analyze
