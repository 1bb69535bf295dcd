#include "api/loki_push_ingest.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "base/crypto.h"

namespace kelola {
namespace {

// The batch labels of an entry: its stream's labels, plus its structured
// metadata where the stream has no label of that name.
LokiLabels LabelsWithMetadata(const LokiLabels& stream, const LokiEntry& e) {
  LokiLabels out = stream;
  for (const auto& [name, value] : e.structured_metadata) out.emplace(name, value);
  return out;
}

}  // namespace

uint64_t LokiOffsetOf(int64_t timestamp_ns) { return static_cast<uint64_t>(timestamp_ns) ^ (uint64_t{1} << 63); }

Result<LokiIngestBatches> LokiPushToBatches(const LokiPushRequest& push, const std::string& agent) {
  LokiIngestBatches out;
  std::map<LokiLabels, std::vector<const LokiEntry*>> streams;
  for (size_t i = 0; i < push.streams.size(); ++i) {
    const auto& s = push.streams[i];
    if (s.labels.empty()) {
      return InvalidArgumentError("streams[" + std::to_string(i) + "]: at least one label pair is required per stream");
    }
    auto& entries = streams[s.labels];
    for (const auto& e : s.entries) entries.push_back(&e);
  }
  // Consecutive entries with the same metadata share a batch; each batch is
  // one fsync'ed append, so beyond kMaxLokiIngestBatches the metadata of the
  // request is dropped (and counted) rather than turning it into thousands.
  size_t runs = 0;
  for (auto& [labels, entries] : streams) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const LokiEntry* a, const LokiEntry* b) { return a->timestamp_ns < b->timestamp_ns; });
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i == 0 || entries[i]->structured_metadata != entries[i - 1]->structured_metadata) ++runs;
    }
  }
  const bool keep_metadata = runs <= kMaxLokiIngestBatches;
  for (const auto& [labels, entries] : streams) {
    std::string stream_id = Sha256Hex(FormatLokiLabels(labels)).substr(0, 16);
    auto filename = labels.find("filename");
    uint64_t next = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      const LokiEntry* e = entries[i];
      bool new_run = keep_metadata && i > 0 && e->structured_metadata != entries[i - 1]->structured_metadata;
      if (i == 0 || new_run) {
        out.batches.emplace_back();
        out.batches.back().agent = agent;
        out.batches.back().labels = keep_metadata ? LabelsWithMetadata(labels, *e) : labels;
      }
      LogRecord r;
      r.stream_id = stream_id;  // per label set, metadata aside: one high-water mark
      if (filename != labels.end()) r.path = filename->second;
      r.offset = std::max(LokiOffsetOf(e->timestamp_ns), next);
      // The very last offset cannot be followed; it then ends where it starts.
      r.end_offset = r.offset == UINT64_MAX ? r.offset : r.offset + 1;
      next = r.end_offset;
      // Floor division: milliseconds of times before 1970 round down too.
      r.time_ms = e->timestamp_ns >= 0 ? e->timestamp_ns / 1'000'000 : -((-(e->timestamp_ns + 1)) / 1'000'000) - 1;
      r.text = e->line;
      if (!keep_metadata && !e->structured_metadata.empty()) ++out.metadata_dropped;
      out.batches.back().records.push_back(std::move(r));
      ++out.entries;
    }
  }
  return out;
}

}  // namespace kelola
