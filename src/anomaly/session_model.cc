#include "anomaly/session_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "fmt/format.h"

namespace kelola::anomaly {
namespace {

// Distinct count vectors of the training sessions with how often each occurs:
// the search below only ever needs these.
using CountRows = std::map<std::vector<int64_t>, size_t>;

int Gcd(const std::vector<int>& v) {
  int g = 0;
  for (int x : v) g = std::gcd(g, std::abs(x));
  return g;
}

// Every coefficient vector of `size` non-zero entries in [-max, max] with a
// positive first entry and gcd 1 (one representative per line through 0).
std::vector<std::vector<int>> CoefficientVectors(int size, int max) {
  std::vector<std::vector<int>> out;
  std::vector<int> values;
  for (int c = -max; c <= max; ++c) {
    if (c != 0) values.push_back(c);
  }
  std::vector<size_t> idx(static_cast<size_t>(size), 0);
  while (true) {
    std::vector<int> v;
    for (size_t i : idx) v.push_back(values[i]);
    if (v[0] > 0 && Gcd(v) == 1) out.push_back(v);
    size_t pos = 0;
    while (pos < idx.size() && ++idx[pos] == values.size()) idx[pos++] = 0;
    if (pos == idx.size()) break;
  }
  return out;
}

}  // namespace

std::vector<int64_t> SessionModel::Counts(const SessionKeys& session, std::string* unseen) const {
  std::vector<int64_t> c(keys_.size(), 0);
  for (const std::string& k : session) {
    auto it = index_.find(k);
    if (it == index_.end()) {
      if (unseen != nullptr && unseen->empty()) *unseen = k;
      continue;
    }
    ++c[it->second];
  }
  return c;
}

SessionModel SessionModel::Train(const std::vector<SessionKeys>& normal, const SessionModelParams& params) {
  SessionModel m;
  for (const SessionKeys& s : normal) {
    for (const std::string& k : s) {
      if (m.index_.emplace(k, m.keys_.size()).second) m.keys_.push_back(k);
    }
  }
  CountRows rows;
  for (const SessionKeys& s : normal) ++rows[m.Counts(s, nullptr)];
  const size_t n_keys = m.keys_.size();

  // Invariants over supports of 2 (and 3) keys.
  const int max_size = std::clamp(params.max_invariant_keys, 2, 3);
  for (int size = 2; size <= max_size; ++size) {
    if (size == 3 && n_keys > params.max_keys_for_triples) break;
    const auto coefficient_vectors = CoefficientVectors(size, std::max(params.max_coefficient, 1));
    std::vector<size_t> support(static_cast<size_t>(size));
    std::iota(support.begin(), support.end(), 0);
    while (n_keys >= static_cast<size_t>(size)) {
      // Project the training rows on the support; keep those using it.
      std::map<std::vector<int64_t>, size_t> projected;
      for (const auto& [row, count] : rows) {
        std::vector<int64_t> p;
        for (size_t k : support) p.push_back(row[k]);
        if (std::any_of(p.begin(), p.end(), [](int64_t x) { return x != 0; })) projected[p] += count;
      }
      size_t active = 0;
      for (const auto& [p, count] : projected) active += count;
      if (active >= params.min_active_sessions) {
        const auto allowed = static_cast<size_t>(std::floor(params.invariant_tolerance * static_cast<double>(active)));
        for (const auto& theta : coefficient_vectors) {
          size_t broken = 0;
          for (const auto& [p, count] : projected) {
            int64_t sum = 0;
            for (size_t i = 0; i < p.size(); ++i) sum += theta[i] * p[i];
            if (sum != 0 && (broken += count) > allowed) break;
          }
          if (broken <= allowed) m.invariants_.push_back({support, theta});
        }
      }
      // Next combination of `size` keys out of n_keys.
      int i = size - 1;
      while (i >= 0 && support[static_cast<size_t>(i)] == n_keys - static_cast<size_t>(size) + static_cast<size_t>(i))
        --i;
      if (i < 0) break;
      ++support[static_cast<size_t>(i)];
      for (auto j = static_cast<size_t>(i) + 1; j < support.size(); ++j) support[j] = support[j - 1] + 1;
    }
  }

  // Exclusions: pairs never together although independence predicts some.
  std::vector<size_t> present(n_keys, 0);
  for (const auto& [row, count] : rows) {
    for (size_t k = 0; k < n_keys; ++k) present[k] += row[k] > 0 ? count : 0;
  }
  const double total = static_cast<double>(normal.size());
  for (size_t a = 0; a < n_keys; ++a) {
    for (size_t b = a + 1; b < n_keys; ++b) {
      const double expected = static_cast<double>(present[a]) * static_cast<double>(present[b]) / total;
      if (expected < params.min_expected_cooccurrence) continue;
      bool together = false;
      for (const auto& [row, count] : rows) together |= row[a] > 0 && row[b] > 0;
      if (!together) m.exclusions_.emplace_back(a, b);
    }
  }
  return m;
}

SessionVerdict SessionModel::Score(const SessionKeys& session) const {
  std::string unseen;
  const std::vector<int64_t> c = Counts(session, &unseen);
  if (!unseen.empty()) return {true, fmt::format("key {} never occurs in normal sessions", unseen)};
  for (const Invariant& inv : invariants_) {
    int64_t sum = 0;
    for (size_t i = 0; i < inv.keys.size(); ++i) sum += inv.coefficients[i] * c[inv.keys[i]];
    if (sum != 0) {
      std::string text;
      for (size_t i = 0; i < inv.keys.size(); ++i) {
        text +=
            fmt::format("{}{}*c({})={}", i == 0 ? "" : " ", inv.coefficients[i], keys_[inv.keys[i]], c[inv.keys[i]]);
      }
      return {true, fmt::format("breaks the count invariant {} (sum {} instead of 0)", text, sum)};
    }
  }
  for (const auto& [a, b] : exclusions_) {
    if (c[a] > 0 && c[b] > 0) {
      return {true, fmt::format("keys {} and {} never occur in the same normal session", keys_[a], keys_[b])};
    }
  }
  return {};
}

std::vector<std::string> SessionModel::DescribeInvariants() const {
  std::vector<std::string> out;
  for (const Invariant& inv : invariants_) {
    std::string text;
    for (size_t i = 0; i < inv.keys.size(); ++i) {
      const int t = inv.coefficients[i];
      text += i == 0 ? fmt::format("{}*c({})", t, keys_[inv.keys[i]])
                     : fmt::format(" {} {}*c({})", t < 0 ? '-' : '+', std::abs(t), keys_[inv.keys[i]]);
    }
    out.push_back(text + " = 0");
  }
  return out;
}

}  // namespace kelola::anomaly
