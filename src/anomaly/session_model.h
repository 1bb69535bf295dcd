// SessionModel: is a session (the sequence of template keys of the lines that
// share one id — a request, a block, a trace) like the normal ones?
//
// Trained only on normal sessions, it learns three kinds of facts and calls a
// session anomalous when it breaks any of them:
//   1. vocabulary: every key a normal session uses (an unseen key is anomalous);
//   2. count invariants, as in Invariants Mining (Lou et al., USENIX ATC 2010):
//      small integer relations  t1*c(k1) + t2*c(k2) [+ t3*c(k3)] = 0  between the
//      per-session counts of 2 or 3 keys (|t| <= max_coefficient), kept when
//      they hold in all but `invariant_tolerance` of the training sessions that
//      use those keys (e.g. "every allocate has a matching close");
//   3. exclusions: two keys that never appear in the same normal session
//      although, were they independent, at least `min_expected_cooccurrence`
//      sessions would hold both.
// The order of the keys is deliberately not modelled: in systems whose
// sessions interleave concurrent work (HDFS writes to three datanodes at
// once) the order of a normal session varies, and order models flag that
// variation as anomalies.
//
// Immutable after Train; Score is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace kelola::anomaly {

using SessionKeys = std::vector<std::string>;

struct SessionModelParams {
  int max_invariant_keys = 3;  // 2 or 3
  int max_coefficient = 3;
  double invariant_tolerance = 0.002;  // fraction of active sessions allowed to break one
  size_t min_active_sessions = 5;      // an invariant needs this many sessions using its keys
  size_t max_keys_for_triples = 40;    // above it, invariants of 2 keys only (the search is cubic)
  double min_expected_cooccurrence = 3.0;
};

struct SessionVerdict {
  bool anomalous = false;
  std::string reason;  // empty when normal
};

class SessionModel {
 public:
  static SessionModel Train(const std::vector<SessionKeys>& normal, const SessionModelParams& params = {});

  SessionVerdict Score(const SessionKeys& session) const;

  size_t key_count() const { return keys_.size(); }
  size_t invariant_count() const { return invariants_.size(); }
  size_t exclusion_count() const { return exclusions_.size(); }
  // "3*c(11) - 3*c(9) = 0"-style text of every invariant, for docs and debugging.
  std::vector<std::string> DescribeInvariants() const;

 private:
  struct Invariant {
    std::vector<size_t> keys;
    std::vector<int> coefficients;
  };
  std::vector<int64_t> Counts(const SessionKeys& session, std::string* unseen) const;

  std::vector<std::string> keys_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<Invariant> invariants_;
  std::vector<std::pair<size_t, size_t>> exclusions_;
};

}  // namespace kelola::anomaly
