// TemplateMiner: a Drain-style online log template miner.
//
// Each line is masked (token_masker.h), then routed through a fixed-depth
// prefix tree keyed by its token count and its leading tokens to a leaf
// holding a few clusters; the most similar cluster (share of positions whose
// tokens agree) takes the line if the similarity reaches the threshold, and
// positions where they differ become "<*>" (keeping a shared prefix such as
// "user=" or "[" ... "]"). Otherwise the line starts a new cluster.
// He et al., "Drain: An Online Log Parsing Approach with Fixed Depth Tree",
// ICWS 2017; differences are listed in docs/analysis.md.
//
// Templates, not clusters, carry the public identity: a template has a stable
// id (assigned at creation, never reused), its text, a count, first/last
// seen times and the first line seen as an example. Clusters whose templates
// become textually equal share one template; an id that loses its last
// cluster that way becomes an alias of the surviving id (Resolve()).
//
// Thread-safe: every public method takes an internal mutex. Add() does no
// heap allocation for a line that matches an existing template.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyze/token_table.h"
#include "base/status.h"

namespace kelola::analyze {

struct MinerOptions {
  // Share of token positions that must agree for a line to join a cluster.
  double similarity = 0.5;
  // Leading tokens used as keys in the prefix tree (Drain's depth - 2).
  int leading_tokens = 2;
  // Lines are cut to this many tokens; the rest becomes one "<*>".
  size_t max_tokens = 256;
  // Beyond this many clusters, a line that matches none gets id 0.
  size_t max_clusters = 50000;
  size_t max_example_bytes = 512;
  // A position where clusters differ by one plain word becomes "<*>" only
  // when this many distinct words were seen there.
  size_t min_distinct_values = 3;
};

struct TemplateInfo {
  uint64_t id = 0;
  std::string text;
  uint64_t count = 0;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  std::string example;
};

class TemplateMiner {
 public:
  explicit TemplateMiner(MinerOptions options = {});

  // Learns from one line seen at `time_ms` (Unix milliseconds) and returns
  // the id of its template (0 only when max_clusters is reached).
  uint64_t Add(std::string_view line, int64_t time_ms);

  // The id that `id` has become (itself unless merged into another).
  uint64_t Resolve(uint64_t id) const;
  std::optional<TemplateInfo> Get(uint64_t id) const;
  // Live templates (not aliases), by id.
  std::vector<TemplateInfo> Templates() const;
  size_t template_count() const;
  // Changes since the last Snapshot(): lines added or templates created.
  bool dirty() const;

  // The whole learned state as JSON (docs/formats/template-snapshot.md), so
  // ids stay stable across restarts. Clears dirty().
  std::string Snapshot();
  // Replaces the state of this miner with a snapshot; InvalidArgument (and
  // the miner unchanged) when the snapshot is malformed or inconsistent.
  Status LoadSnapshot(std::string_view json);

 private:
  struct LeafKey {
    uint32_t length;
    uint32_t first;
    uint32_t second;
    bool operator==(const LeafKey&) const = default;
  };
  struct LeafKeyHash {
    size_t operator()(const LeafKey& k) const {
      uint64_t h = (uint64_t{k.length} * 0x9E3779B97F4A7C15ull) ^ (uint64_t{k.first} << 21) ^ k.second;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  struct Cluster {
    std::vector<uint32_t> tokens;
    uint32_t template_index;
    // Joined to a template of another token count (its text is that
    // template's); never retargeted by its own text.
    bool joined = false;
  };
  struct Template {
    uint64_t id;
    std::string text;
    uint64_t count = 0;
    int64_t first_seen_ms = 0;
    int64_t last_seen_ms = 0;
    std::string example;
    uint32_t clusters = 0;  // clusters pointing here, not counting joined ones
    uint64_t alias_of = 0;  // non-zero once merged into another template
  };

  void MaskInto(std::string_view line);
  LeafKey KeyFor(bool for_insert) const;
  std::string_view LineToken(size_t i) const {
    return std::string_view(buf_).substr(spans_[i].first, spans_[i].second);
  }
  int BestCluster(const std::vector<uint32_t>& leaf) const;
  uint32_t Generalize(uint32_t template_token, std::string_view line_token);
  std::string ClusterText(const Cluster& c) const;
  // Points the cluster at the template holding its current text.
  void Retarget(uint32_t cluster_index);
  // A cluster of another token count whose template the current line fits
  // when its extra or missing tokens are only values ("(<*> KB)", "sec"), or -1.
  int JoinAcrossLengths();
  bool TokenMatches(uint32_t template_token, size_t i) const;
  // Positions where the cluster and the line hold different plain words
  // (no wildcard in either); the last such position in *position.
  int WordDifference(const Cluster& c, size_t* position) const;
  // Fills siblings_ with the clusters that differ from the line only at
  // `position`; true when they make min_distinct_values values.
  bool EnoughValuesAt(const std::vector<uint32_t>& leaf, uint32_t best, size_t position);
  // Points a cluster at another template; its old template becomes an alias
  // when it has no cluster left.
  void Absorb(uint32_t cluster_index, uint32_t template_index);
  uint64_t LeadKey(const std::vector<uint32_t>& ids) const;
  // Starts a cluster for the current line, on the template `join` (a
  // template index) or on a template of its own; returns its template index.
  uint32_t NewCluster(std::string_view line, int64_t time_ms, int join);
  uint32_t Live(uint32_t template_index) const;
  void Count(Template& t, std::string_view line, int64_t time_ms);
  TemplateInfo Info(const Template& t) const;
  const Template* Find(uint64_t id) const;

  const MinerOptions options_;
  mutable std::mutex mu_;
  TokenTable tokens_;
  std::unordered_map<LeafKey, std::vector<uint32_t>, LeafKeyHash> leaves_;
  std::vector<Cluster> clusters_;
  std::vector<Template> templates_;  // templates_[id - 1]
  std::unordered_map<std::string, uint32_t> by_text_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_lead_;  // clusters of any length by leading tokens
  // Scratch for the line being added (reused: no allocation per line).
  std::string buf_;
  std::vector<std::pair<uint32_t, uint32_t>> spans_;
  std::vector<uint32_t> ids_;
  std::vector<uint16_t> lcs_;
  std::vector<uint32_t> siblings_;
  bool dirty_ = false;
};

}  // namespace kelola::analyze
