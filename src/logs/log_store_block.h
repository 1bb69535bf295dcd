// One block of the log store's segment files: the on-disk unit of one
// ingested batch (docs/formats/log-store.md). Encoding and decoding only;
// files are handled by LogStore.
//
// Stateless functions; thread-safe. Errors: DecodeBlockHeader and
// DecodeBlockMeta/Records return DataLoss naming what is wrong.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "logs/log_frame.h"

namespace kelola {

inline constexpr size_t kBlockHeaderBytes = 52;

struct BlockHeader {
  uint32_t meta_len = 0;
  uint32_t body_len = 0;  // compressed records
  uint32_t raw_len = 0;   // records before compression
  uint64_t first_id = 0;  // id of the first record; the others follow
  int64_t min_time_ms = 0;
  int64_t max_time_ms = 0;
  uint32_t record_count = 0;
  uint64_t checksum = 0;  // FNV-1a 64 of header bytes 0..43, meta and body
  int version = 2;        // KLB1 blocks hold v1 record payloads (no level, no fields)
  size_t total_bytes() const { return kBlockHeaderBytes + meta_len + body_len; }
};

struct BlockStream {
  std::string stream_id;
  std::string path;
  uint64_t end_offset = 0;  // end of the last record of this stream in the block
};

// What the index keeps of a block without reading its records.
struct BlockMeta {
  std::string agent;
  std::map<std::string, std::string> labels;
  std::vector<BlockStream> streams;
};

// One field added to every record of a block by the server (the template id),
// kept in the block's meta so the records' body can stay as the agent sent
// it; DecodeBlockRecords merges it back into each record's fields.
struct BlockAnnotations {
  std::string field;                // "template_id"
  std::vector<std::string> values;  // one per record, in order
};

// A whole block for `batch` (records with ids first_id, first_id + 1, ...).
// `version` 1 writes an old KLB1 block (only for tests of reading old stores).
// `as_sent`, when given, is `batch` exactly as a v2 payload already
// compressed (the agent's frame): it becomes the body unchanged instead of
// encoding and compressing the batch again.
// `annotations`, when given, has one value per record (v2 blocks only).
Result<std::string> EncodeBlock(const LogBatch& batch, uint64_t first_id, int zstd_level, int version = kFramePayloadV2,
                                const CompressedPayload* as_sent = nullptr,
                                const BlockAnnotations* annotations = nullptr);

Result<BlockHeader> DecodeBlockHeader(std::string_view bytes);  // exactly kBlockHeaderBytes
Result<BlockMeta> DecodeBlockMeta(std::string_view meta);
// Checks the checksum of a whole block (header + meta + body).
bool BlockChecksumMatches(const BlockHeader& header, std::string_view block);
// The records of a whole, checksum-verified block, with the meta's
// annotations merged into their fields.
Result<LogBatch> DecodeBlockRecords(const BlockHeader& header, std::string_view block);

}  // namespace kelola
