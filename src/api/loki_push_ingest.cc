#include "api/loki_push_ingest.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "base/crypto.h"

namespace kelola {

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
  for (auto& [labels, entries] : streams) {
    if (entries.empty()) continue;
    std::stable_sort(entries.begin(), entries.end(),
                     [](const LokiEntry* a, const LokiEntry* b) { return a->timestamp_ns < b->timestamp_ns; });
    LogBatch batch;
    batch.agent = agent;
    batch.labels = labels;
    std::string stream_id = Sha256Hex(FormatLokiLabels(labels)).substr(0, 16);
    auto filename = labels.find("filename");
    uint64_t next = 0;
    for (const LokiEntry* e : entries) {
      LogRecord r;
      r.stream_id = stream_id;
      if (filename != labels.end()) r.path = filename->second;
      r.offset = std::max(LokiOffsetOf(e->timestamp_ns), next);
      // The very last offset cannot be followed; it then ends where it starts.
      r.end_offset = r.offset == UINT64_MAX ? r.offset : r.offset + 1;
      next = r.end_offset;
      // Floor division: milliseconds of times before 1970 round down too.
      r.time_ms = e->timestamp_ns >= 0 ? e->timestamp_ns / 1'000'000 : -((-(e->timestamp_ns + 1)) / 1'000'000) - 1;
      r.text = e->line;
      if (!e->structured_metadata.empty()) ++out.metadata_dropped;
      batch.records.push_back(std::move(r));
    }
    out.entries += batch.records.size();
    out.batches.push_back(std::move(batch));
  }
  return out;
}

}  // namespace kelola
