// Loki's push API bodies (POST /loki/api/v1/push), both encodings, as
// plain values (docs/formats/loki-push.md):
//
//   JSON      {"streams":[{"stream":{"app":"web"},
//                          "values":[["<Unix ns as a string>","line"(,{"k":"v"})]]}]}
//             Content-Type: application/json, optionally Content-Encoding: gzip
//   protobuf  logproto.PushRequest { repeated StreamAdapter streams = 1; }
//             StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
//             EntryAdapter { Timestamp timestamp = 1; string line = 2;
//                            repeated LabelPairAdapter structuredMetadata = 3; }
//             snappy block format, Content-Type: application/x-protobuf (what Promtail sends)
//
// The decoders are parsers of outside input: sizes are checked against
// `LokiPushLimits` before allocating, unknown protobuf fields are skipped,
// every malformation is InvalidArgument naming where (stream and entry
// index, byte offset), and a body over a limit is ResourceExhausted. They are fuzzed (fuzz/loki_push_proto_fuzz.cc,
// fuzz/loki_push_json_fuzz.cc, fuzz/loki_labels_fuzz.cc). Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "integrations/loki/loki_labels.h"

namespace kelola {

struct LokiEntry {
  int64_t timestamp_ns = 0;  // Unix nanoseconds
  std::string line;
  std::vector<std::pair<std::string, std::string>> structured_metadata;
};

struct LokiStream {
  LokiLabels labels;
  std::vector<LokiEntry> entries;
};

struct LokiPushRequest {
  std::vector<LokiStream> streams;
};

struct LokiPushLimits {
  size_t max_decoded_bytes = 64 * 1024 * 1024;  // after snappy/gzip
  size_t max_entries = 1'000'000;
};

inline constexpr std::string_view kLokiPushPath = "/loki/api/v1/push";

// The protobuf message without compression.
std::string EncodeLokiPushProto(const LokiPushRequest& request);
Result<LokiPushRequest> DecodeLokiPushProto(std::string_view message, const LokiPushLimits& limits = {});

// Lines and values that are not UTF-8 have their invalid bytes replaced by
// U+FFFD (JSON must be UTF-8); the decoder refuses invalid UTF-8.
std::string EncodeLokiPushJson(const LokiPushRequest& request);
Result<LokiPushRequest> DecodeLokiPushJson(std::string_view body, const LokiPushLimits& limits = {});

// A whole HTTP body as Loki reads it: Content-Encoding "" | gzip | deflate
// | snappy is undone first, then application/json is JSON and anything else
// (application/x-protobuf, or no Content-Type) is snappy-compressed
// protobuf. An unsupported Content-Encoding is Unimplemented (Loki: 415).
Result<LokiPushRequest> DecodeLokiPushBody(std::string_view body, std::string_view content_type,
                                           std::string_view content_encoding, const LokiPushLimits& limits = {});

}  // namespace kelola
