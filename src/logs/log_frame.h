// The agent -> server transport frame: one batch of log records, zstd
// compressed, in a compact binary layout (docs/formats/agent-frame.md).
//
// A batch carries records of one or more streams (file instances); within a
// stream, records are in file order and each carries its byte offset, which
// is the stream's sequence number: the server keeps, per stream, the end of
// the last stored record and drops anything before it, so a batch re-sent
// after a lost acknowledgement or an agent restart is never stored twice.
//
// DecodeFrame is a parser of outside input: every length is checked against
// the bytes left and the limits below before anything is allocated, and any
// malformation is InvalidArgument naming what and at which byte. It is
// fuzzed (fuzz/log_frame_fuzz.cc). Stateless functions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "logs/log_record.h"

namespace kelola {

struct LogBatch {
  std::string agent;                          // the sending agent's name (usually the host name)
  std::map<std::string, std::string> labels;  // applied to every record (host, service, ...)
  std::vector<LogRecord> records;
};

struct FrameLimits {
  size_t max_decoded_bytes = 64 * 1024 * 1024;  // payload after decompression
  size_t max_records = 1'000'000;
};

inline constexpr std::string_view kFrameContentType = "application/x-kelola-frame";

// Payload layout versions: 1 has no level and fields; 2 (written now) has.
inline constexpr int kFramePayloadV1 = 1;
inline constexpr int kFramePayloadV2 = 2;
// At most this many fields per record are accepted when decoding.
inline constexpr size_t kMaxRecordFields = 1024;

// The payload alone (uncompressed, no header); also the body of the log
// store's blocks. `context` prefixes decoding errors.
std::string EncodeBatchPayload(const LogBatch& batch, int version = kFramePayloadV2);
Result<LogBatch> DecodeBatchPayload(std::string_view payload, const FrameLimits& limits, const std::string& context,
                                    int version = kFramePayloadV2);

// zstd `level` 1..19; 0 stores the payload uncompressed. Internal when zstd
// fails. `version` 1 drops level and fields (only to test old decoders).
Result<std::string> EncodeFrame(const LogBatch& batch, int level = 3, int version = kFramePayloadV2);
// Decodes frame versions 1 and 2.
Result<LogBatch> DecodeFrame(std::string_view frame, const FrameLimits& limits = {});

// A payload already compressed the way the log store's blocks hold theirs.
struct CompressedPayload {
  std::string_view zstd;  // one zstd frame with content size and checksum
  size_t raw_len = 0;     // the payload's length after decompression
};
// The frame's compressed payload when a log block may hold it unchanged
// (payload version 2, one zstd frame with content size and checksum), so the
// server need not compress the batch again; nullopt otherwise. Only for a
// frame DecodeFrame accepted; the result points into `frame`.
std::optional<CompressedPayload> StorableFramePayload(std::string_view frame);

}  // namespace kelola
