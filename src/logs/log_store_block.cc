#include "logs/log_store_block.h"

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "logs/wire.h"
#include "logs/zstd_codec.h"

namespace kelola {
namespace {

// KLB2 (written) holds a v2 record payload; KLB1 (read only) a v1 payload.
constexpr char kBlockMagic[4] = {'K', 'L', 'B', '2'};
constexpr char kBlockMagicV1[4] = {'K', 'L', 'B', '1'};
constexpr size_t kChecksumAt = 44;

uint64_t Checksum(std::initializer_list<std::string_view> parts) {
  // FNV-1a over the concatenation, without copying.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (std::string_view part : parts) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  }
  return h;
}

}  // namespace

Result<std::string> EncodeBlock(const LogBatch& batch, uint64_t first_id, int zstd_level, int version,
                                const CompressedPayload* as_sent, const BlockAnnotations* annotations) {
  using wire::PutFixed;
  using wire::PutString;
  using wire::PutVarint;
  std::string meta;
  PutString(meta, batch.agent);
  PutVarint(meta, batch.labels.size());
  for (const auto& [k, v] : batch.labels) {
    PutString(meta, k);
    PutString(meta, v);
  }
  std::vector<BlockStream> streams;
  std::map<std::pair<std::string, std::string>, size_t> where;
  int64_t min_time = std::numeric_limits<int64_t>::max();
  int64_t max_time = std::numeric_limits<int64_t>::min();
  const LogRecord* run = nullptr;  // records of a stream come in runs: look up once per run
  size_t run_index = 0;
  for (const auto& r : batch.records) {
    if (run == nullptr || r.stream_id != run->stream_id || r.path != run->path) {
      auto [it, inserted] = where.emplace(std::make_pair(r.stream_id, r.path), streams.size());
      if (inserted) streams.push_back({r.stream_id, r.path, 0});
      run = &r;
      run_index = it->second;
    }
    auto& s = streams[run_index];
    s.end_offset = std::max(s.end_offset, r.end_offset);
    min_time = std::min(min_time, r.time_ms);
    max_time = std::max(max_time, r.time_ms);
  }
  if (batch.records.empty()) min_time = max_time = 0;
  PutVarint(meta, streams.size());
  for (const auto& s : streams) {
    PutString(meta, s.stream_id);
    PutString(meta, s.path);
    PutVarint(meta, s.end_offset);
  }
  // Trailing, optional: blocks written before annotations end here.
  if (annotations != nullptr) {
    if (annotations->values.size() != batch.records.size() || version != kFramePayloadV2) {
      return InvalidArgumentError("log block annotations: one value per record of a v2 block");
    }
    PutVarint(meta, 1);
    PutString(meta, annotations->field);
    for (const std::string& v : annotations->values) PutString(meta, v);
  }
  std::string compressed;
  std::string_view body;
  size_t raw_len = 0;
  if (as_sent != nullptr && version == kFramePayloadV2) {
    body = as_sent->zstd;
    raw_len = as_sent->raw_len;
  } else {
    std::string raw = EncodeBatchPayload(batch, version);
    raw_len = raw.size();
    if (raw_len <= UINT32_MAX) {
      KELOLA_ASSIGN_OR_RETURN(compressed, ZstdCompress(raw, zstd_level));
    }
    body = compressed;
  }
  if (raw_len > UINT32_MAX || body.size() > UINT32_MAX || meta.size() > UINT32_MAX) {
    return InvalidArgumentError("log block over 4 GiB");
  }

  std::string block;
  block.reserve(kBlockHeaderBytes + meta.size() + body.size());
  block.append(version == kFramePayloadV1 ? kBlockMagicV1 : kBlockMagic, 4);
  PutFixed(block, meta.size(), 4);
  PutFixed(block, body.size(), 4);
  PutFixed(block, raw_len, 4);
  PutFixed(block, first_id, 8);
  PutFixed(block, static_cast<uint64_t>(min_time), 8);
  PutFixed(block, static_cast<uint64_t>(max_time), 8);
  PutFixed(block, batch.records.size(), 4);
  PutFixed(block, Checksum({std::string_view(block).substr(0, kChecksumAt), meta, body}), 8);
  block += meta;
  block += body;
  return block;
}

Result<BlockHeader> DecodeBlockHeader(std::string_view b) {
  if (b.size() != kBlockHeaderBytes) return DataLossError("log block header: short");
  BlockHeader h;
  if (b.substr(0, 4) == std::string_view(kBlockMagicV1, 4)) {
    h.version = kFramePayloadV1;
  } else if (b.substr(0, 4) != std::string_view(kBlockMagic, 4)) {
    return DataLossError("log block header: bad magic");
  }
  h.meta_len = static_cast<uint32_t>(wire::GetFixed(b, 4, 4));
  h.body_len = static_cast<uint32_t>(wire::GetFixed(b, 8, 4));
  h.raw_len = static_cast<uint32_t>(wire::GetFixed(b, 12, 4));
  h.first_id = wire::GetFixed(b, 16, 8);
  h.min_time_ms = static_cast<int64_t>(wire::GetFixed(b, 24, 8));
  h.max_time_ms = static_cast<int64_t>(wire::GetFixed(b, 32, 8));
  h.record_count = static_cast<uint32_t>(wire::GetFixed(b, 40, 4));
  h.checksum = wire::GetFixed(b, 44, 8);
  if (h.first_id == 0) return DataLossError("log block header: record id 0");
  return h;
}

namespace {

Status ReadMeta(wire::WireReader& in, BlockMeta& m) {
  auto bad = [](const Status& s) { return DataLossError(s.message()); };
  Status s = in.String("agent", m.agent);
  if (!s.ok()) return bad(s);
  uint64_t n = 0;
  if (!(s = in.Varint("label count", n)).ok()) return bad(s);
  for (uint64_t i = 0; i < n && s.ok(); ++i) {
    std::string k, v;
    if ((s = in.String("label name", k)).ok() && (s = in.String("label value", v)).ok()) m.labels[k] = v;
  }
  if (!s.ok()) return bad(s);
  if (!(s = in.Varint("stream count", n)).ok()) return bad(s);
  if (n > in.remaining()) return DataLossError("log block meta: stream count larger than the section");
  for (uint64_t i = 0; i < n && s.ok(); ++i) {
    BlockStream bs;
    if ((s = in.String("stream id", bs.stream_id)).ok() && (s = in.String("stream path", bs.path)).ok() &&
        (s = in.Varint("stream end", bs.end_offset)).ok()) {
      m.streams.push_back(std::move(bs));
    }
  }
  if (!s.ok()) return bad(s);
  return OkStatus();
}

// The annotation sections after the streams (none in older blocks).
Status ReadAnnotations(wire::WireReader& in, size_t records, std::vector<BlockAnnotations>& out) {
  if (in.remaining() == 0) return OkStatus();
  uint64_t n = 0;
  Status s = in.Varint("annotation count", n);
  if (s.ok() && n > 16) s = InvalidArgumentError("log block meta: more than 16 annotations");
  for (uint64_t i = 0; i < n && s.ok(); ++i) {
    BlockAnnotations a;
    s = in.String("annotation field", a.field);
    if (s.ok() && records > in.remaining())
      s = InvalidArgumentError("log block meta: annotations larger than the section");
    a.values.resize(s.ok() ? records : 0);
    for (size_t r = 0; r < a.values.size() && s.ok(); ++r) s = in.String("annotation value", a.values[r]);
    if (s.ok()) out.push_back(std::move(a));
  }
  return s.ok() ? OkStatus() : DataLossError(s.message());
}

}  // namespace

Result<BlockMeta> DecodeBlockMeta(std::string_view meta) {
  wire::WireReader in(meta, "log block meta");
  BlockMeta m;
  KELOLA_RETURN_IF_ERROR(ReadMeta(in, m));
  return m;
}

bool BlockChecksumMatches(const BlockHeader& header, std::string_view block) {
  if (block.size() != header.total_bytes()) return false;
  return Checksum({block.substr(0, kChecksumAt), block.substr(kBlockHeaderBytes)}) == header.checksum;
}

Result<LogBatch> DecodeBlockRecords(const BlockHeader& header, std::string_view block) {
  if (block.size() != header.total_bytes()) return DataLossError("log block: size mismatch");
  std::string_view body = block.substr(kBlockHeaderBytes + header.meta_len);
  auto raw = ZstdDecompress(body, header.raw_len, "log block");
  if (!raw.ok()) return DataLossError(raw.status().message());
  FrameLimits limits;
  limits.max_decoded_bytes = UINT32_MAX;
  limits.max_records = UINT32_MAX;
  auto batch = DecodeBatchPayload(*raw, limits, "log block records", header.version);
  if (!batch.ok()) return DataLossError(batch.status().message());
  if (batch->records.size() != header.record_count) return DataLossError("log block: record count mismatch");
  wire::WireReader in(block.substr(kBlockHeaderBytes, header.meta_len), "log block meta");
  BlockMeta meta;
  std::vector<BlockAnnotations> annotations;
  KELOLA_RETURN_IF_ERROR(ReadMeta(in, meta));
  KELOLA_RETURN_IF_ERROR(ReadAnnotations(in, batch->records.size(), annotations));
  for (const BlockAnnotations& a : annotations) {
    for (size_t i = 0; i < a.values.size(); ++i) batch->records[i].fields[a.field] = a.values[i];
  }
  return batch;
}

}  // namespace kelola
