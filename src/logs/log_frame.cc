#include "logs/log_frame.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "logs/wire.h"
#include "logs/zstd_codec.h"

namespace kelola {
namespace {

constexpr char kMagic[4] = {'K', 'L', 'F', '1'};
constexpr uint8_t kFlagZstd = 1;
constexpr uint8_t kRecordSplit = 1;
constexpr size_t kHeaderBytes = 4 + 1 + 1 + 4 + 4;

}  // namespace

namespace {

// Appends the payload of `batch` to `payload`.
void AppendBatchPayload(const LogBatch& batch, int version, std::string& payload) {
  using wire::PutString;
  using wire::PutVarint;
  size_t text_bytes = 0;
  for (const auto& r : batch.records) text_bytes += r.text.size();
  payload.reserve(payload.size() + text_bytes + 16 * batch.records.size() + 256);
  PutString(payload, batch.agent);
  PutVarint(payload, batch.labels.size());
  for (const auto& [k, v] : batch.labels) {
    PutString(payload, k);
    PutString(payload, v);
  }
  // Streams are listed once; records refer to them by index.
  std::vector<const LogRecord*> stream_heads;
  std::unordered_map<std::string, uint64_t> index;
  std::vector<uint64_t> record_stream;
  record_stream.reserve(batch.records.size());
  const LogRecord* previous = nullptr;
  for (const auto& r : batch.records) {
    // Records of one stream come in runs: look up only where a run starts.
    if (previous != nullptr && r.stream_id == previous->stream_id && r.path == previous->path) {
      record_stream.push_back(record_stream.back());
      continue;
    }
    // Length-prefixed, so ids and paths holding NUL bytes cannot collide.
    auto [it, inserted] =
        index.emplace(std::to_string(r.stream_id.size()) + ':' + r.stream_id + r.path, stream_heads.size());
    if (inserted) stream_heads.push_back(&r);
    record_stream.push_back(it->second);
    previous = &r;
  }
  PutVarint(payload, stream_heads.size());
  for (const LogRecord* r : stream_heads) {
    PutString(payload, r->stream_id);
    PutString(payload, r->path);
  }
  PutVarint(payload, batch.records.size());
  int64_t previous_time = 0;
  for (size_t i = 0; i < batch.records.size(); ++i) {
    const LogRecord& r = batch.records[i];
    PutVarint(payload, record_stream[i]);
    PutVarint(payload, r.offset);
    PutVarint(payload, r.end_offset - std::min(r.end_offset, r.offset));
    PutVarint(payload, wire::ZigZag(wire::WrapSub(r.time_ms, previous_time)));
    previous_time = r.time_ms;
    payload += static_cast<char>(r.split ? kRecordSplit : 0);
    PutString(payload, r.text);
    if (version >= kFramePayloadV2) {
      PutString(payload, r.level);
      PutVarint(payload, r.fields.size());
      for (const auto& [k, v] : r.fields) {
        PutString(payload, k);
        PutString(payload, v);
      }
    }
  }
}

}  // namespace

std::string EncodeBatchPayload(const LogBatch& batch, int version) {
  std::string payload;
  AppendBatchPayload(batch, version, payload);
  return payload;
}

Result<LogBatch> DecodeBatchPayload(std::string_view payload, const FrameLimits& limits, const std::string& context,
                                    int version) {
  if (version != kFramePayloadV1 && version != kFramePayloadV2) {
    return InvalidArgumentError(context + ": unsupported payload version " + std::to_string(version));
  }
  wire::WireReader in(payload, context);
  LogBatch batch;
  KELOLA_RETURN_IF_ERROR(in.String("agent", batch.agent));
  uint64_t n = 0;
  KELOLA_RETURN_IF_ERROR(in.Varint("label count", n));
  if (n > in.remaining() / 2) return in.Error("label count", "more labels than bytes left");
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    KELOLA_RETURN_IF_ERROR(in.String("label name", k));
    KELOLA_RETURN_IF_ERROR(in.String("label value", v));
    batch.labels[std::move(k)] = std::move(v);
  }
  KELOLA_RETURN_IF_ERROR(in.Varint("stream count", n));
  if (n > in.remaining() / 2) return in.Error("stream count", "more streams than bytes left");
  std::vector<std::pair<std::string, std::string>> streams(n);
  for (auto& [id, path] : streams) {
    KELOLA_RETURN_IF_ERROR(in.String("stream id", id));
    KELOLA_RETURN_IF_ERROR(in.String("stream path", path));
  }
  KELOLA_RETURN_IF_ERROR(in.Varint("record count", n));
  // A record takes at least 6 bytes, so a count the payload cannot hold is a lie.
  if (n > in.remaining() / 6 || n > limits.max_records) return in.Error("record count", "too many records");
  batch.records.reserve(n);
  int64_t time = 0;
  for (uint64_t i = 0; i < n; ++i) {
    LogRecord r;
    uint64_t stream = 0, length = 0, time_delta = 0;
    uint8_t flags = 0;
    KELOLA_RETURN_IF_ERROR(in.Varint("record stream", stream));
    if (stream >= streams.size()) return in.Error("record stream", "index " + std::to_string(stream) + " unknown");
    KELOLA_RETURN_IF_ERROR(in.Varint("record offset", r.offset));
    KELOLA_RETURN_IF_ERROR(in.Varint("record length", length));
    if (length > UINT64_MAX - r.offset) return in.Error("record length", "offset + length overflows");
    r.end_offset = r.offset + length;
    KELOLA_RETURN_IF_ERROR(in.Varint("record time", time_delta));
    time = wire::WrapAdd(time, wire::UnZigZag(time_delta));
    r.time_ms = time;
    KELOLA_RETURN_IF_ERROR(in.Byte("record flags", flags));
    if (flags & ~kRecordSplit) return in.Error("record flags", "unknown bits");
    r.split = (flags & kRecordSplit) != 0;
    KELOLA_RETURN_IF_ERROR(in.String("record text", r.text));
    if (version >= kFramePayloadV2) {
      KELOLA_RETURN_IF_ERROR(in.String("record level", r.level));
      uint64_t fields = 0;
      KELOLA_RETURN_IF_ERROR(in.Varint("record field count", fields));
      if (fields > kMaxRecordFields || fields > in.remaining() / 2) {
        return in.Error("record field count", std::to_string(fields) + " is too many");
      }
      for (uint64_t f = 0; f < fields; ++f) {
        std::string k, v;
        KELOLA_RETURN_IF_ERROR(in.String("field name", k));
        KELOLA_RETURN_IF_ERROR(in.String("field value", v));
        if (!r.fields.emplace(std::move(k), std::move(v)).second) return in.Error("field name", "repeated");
      }
    }
    r.stream_id = streams[stream].first;
    r.path = streams[stream].second;
    batch.records.push_back(std::move(r));
  }
  if (in.remaining() != 0) return in.Error("end", std::to_string(in.remaining()) + " trailing bytes");
  return batch;
}

Result<std::string> EncodeFrame(const LogBatch& batch, int level, int version) {
  // The payload is a scratch buffer reused per thread (an agent encodes one
  // batch after another); one that grew past a few MiB is given back.
  thread_local std::string scratch;
  struct Release {
    ~Release() {
      if (scratch.capacity() > (8u << 20)) std::string().swap(scratch);
    }
  } release;
  scratch.clear();
  AppendBatchPayload(batch, version, scratch);
  const std::string& payload = scratch;
  if (payload.size() > UINT32_MAX) return InvalidArgumentError("log frame: batch larger than 4 GiB");
  std::string body;
  uint8_t flags = 0;
  if (level > 0) {
    KELOLA_ASSIGN_OR_RETURN(body, ZstdCompress(payload, level));
    flags |= kFlagZstd;
  } else {
    body = payload;
  }
  std::string frame(kMagic, 4);
  frame += static_cast<char>(version);
  frame += static_cast<char>(flags);
  wire::PutFixed(frame, payload.size(), 4);
  wire::PutFixed(frame, body.size(), 4);
  frame += body;
  return frame;
}

Result<LogBatch> DecodeFrame(std::string_view frame, const FrameLimits& limits) {
  if (frame.size() < kHeaderBytes) {
    return InvalidArgumentError("log frame: " + std::to_string(frame.size()) + " bytes is shorter than the header");
  }
  if (frame.substr(0, 4) != std::string_view(kMagic, 4)) return InvalidArgumentError("log frame: bad magic");
  const int version = static_cast<uint8_t>(frame[4]);
  if (version != kFramePayloadV1 && version != kFramePayloadV2) {
    return InvalidArgumentError("log frame: unsupported version " + std::to_string(version));
  }
  uint8_t flags = static_cast<uint8_t>(frame[5]);
  if (flags & ~kFlagZstd) return InvalidArgumentError("log frame: unknown flags " + std::to_string(flags));
  uint64_t decoded_len = wire::GetFixed(frame, 6, 4);
  uint64_t body_len = wire::GetFixed(frame, 10, 4);
  if (body_len != frame.size() - kHeaderBytes) {
    return InvalidArgumentError("log frame: header says " + std::to_string(body_len) + " body bytes, got " +
                                std::to_string(frame.size() - kHeaderBytes));
  }
  if (decoded_len > limits.max_decoded_bytes) {
    return InvalidArgumentError("log frame: payload of " + std::to_string(decoded_len) + " bytes exceeds the limit");
  }
  std::string_view body = frame.substr(kHeaderBytes);
  if (!(flags & kFlagZstd)) {
    if (decoded_len != body_len) return InvalidArgumentError("log frame: uncompressed payload length mismatch");
    return DecodeBatchPayload(body, limits, "log frame payload", version);
  }
  KELOLA_ASSIGN_OR_RETURN(std::string payload, ZstdDecompress(body, decoded_len, "log frame"));
  return DecodeBatchPayload(payload, limits, "log frame payload", version);
}

std::optional<CompressedPayload> StorableFramePayload(std::string_view frame) {
  if (frame.size() < kHeaderBytes || frame.substr(0, 4) != std::string_view(kMagic, 4)) return std::nullopt;
  if (static_cast<uint8_t>(frame[4]) != kFramePayloadV2 || static_cast<uint8_t>(frame[5]) != kFlagZstd) {
    return std::nullopt;
  }
  CompressedPayload p{frame.substr(kHeaderBytes), wire::GetFixed(frame, 6, 4)};
  if (!IsSingleZstdFrameWithChecksum(p.zstd, p.raw_len)) return std::nullopt;
  return p;
}

}  // namespace kelola
