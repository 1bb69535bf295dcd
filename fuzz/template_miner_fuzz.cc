// libFuzzer target: token masking and the template miner (src/analyze),
// which see every log line the server stores, and the CSV reader of
// `kelola analyze`, and the snapshot loader (a file the server reads at
// start). Checks invariants, not just the absence of crashes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "analyze/csv.h"
#include "analyze/template_miner.h"
#include "analyze/template_snapshot.h"
#include "analyze/token_masker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Normalisation is idempotent.
  std::string once = kelola::analyze::NormalizeTemplate(input);
  if (kelola::analyze::NormalizeTemplate(once) != once) std::abort();
  // A small miner, fed line by line: ids resolve to live templates.
  kelola::analyze::MinerOptions options;
  options.max_clusters = 64;
  options.max_tokens = 32;
  kelola::analyze::TemplateMiner miner(options);
  size_t from = 0;
  int64_t t = 0;
  while (from <= input.size()) {
    size_t end = input.find('\n', from);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(from, end - from);
    uint64_t id = miner.Add(line, ++t);
    if (id != 0 && !miner.Get(id).has_value()) std::abort();
    std::string masked = kelola::analyze::MaskLine(line);
    if (masked.size() > line.size() * 3 + 3) std::abort();  // a token never grows past its wildcards
    from = end + 1;
  }
  // Its snapshot loads back into an equal state.
  const std::string snap = miner.Snapshot();
  kelola::analyze::TemplateMiner copy(options);
  if (!copy.LoadSnapshot(snap).ok() || copy.Snapshot() != snap) std::abort();
  // Arbitrary bytes as a snapshot: rejected or loaded, never a crash; a
  // loaded state keeps working.
  kelola::analyze::TemplateMiner loaded(options);
  if (loaded.LoadSnapshot(input).ok()) (void)loaded.Add("after load 1", 1);
  (void)kelola::analyze::ParseCsv(input);
  return 0;
}
