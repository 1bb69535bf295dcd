// logproto.PushRequest on the protobuf wire, and the HTTP body dispatch.
#include <cctype>
#include <cstdint>

#include "integrations/loki/loki_compression.h"
#include "integrations/loki/loki_push.h"
#include "integrations/loki/protobuf_wire.h"

namespace kelola {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

std::string EncodeEntry(const LokiEntry& e) {
  int64_t seconds = e.timestamp_ns / kNanosPerSecond;
  int64_t nanos = e.timestamp_ns % kNanosPerSecond;
  if (nanos < 0) {  // Timestamp.nanos is never negative
    nanos += kNanosPerSecond;
    --seconds;
  }
  ProtoWriter ts;
  ts.VarintField(1, static_cast<uint64_t>(seconds));
  ts.VarintField(2, static_cast<uint64_t>(nanos));
  ProtoWriter w;
  w.MessageField(1, ts.out());
  w.BytesField(2, e.line);
  for (const auto& [name, value] : e.structured_metadata) {
    ProtoWriter pair;
    pair.BytesField(1, name);
    pair.BytesField(2, value);
    w.MessageField(3, pair.out());
  }
  return std::move(w.out());
}

std::string Where(size_t stream, size_t entry) {
  return "streams[" + std::to_string(stream) + "].entries[" + std::to_string(entry) + "]";
}

Status WrongType(const ProtoField& f, const std::string& where, const char* expected) {
  return InvalidArgumentError("protobuf: " + where + ": field " + std::to_string(f.number) + " at byte " +
                              std::to_string(f.offset) + " must be " + expected);
}

// Offset of `inner` from the start of the whole message.
size_t OffsetIn(std::string_view whole, std::string_view inner) {
  return static_cast<size_t>(inner.data() - whole.data());
}

Result<int64_t> DecodeTimestamp(std::string_view whole, std::string_view data, const std::string& where) {
  int64_t seconds = 0;
  int64_t nanos = 0;
  ProtoReader r(data, OffsetIn(whole, data));
  while (!r.done()) {
    KELOLA_ASSIGN_OR_RETURN(ProtoField f, r.Next());
    if (f.number != 1 && f.number != 2) continue;
    if (f.type != WireType::kVarint) return WrongType(f, where + ".timestamp", "a varint");
    if (f.number == 1) seconds = static_cast<int64_t>(f.varint);
    if (f.number == 2) nanos = static_cast<int32_t>(static_cast<uint32_t>(f.varint));
  }
  if (nanos < 0 || nanos >= kNanosPerSecond) {
    return InvalidArgumentError("protobuf: " + where + ".timestamp: nanos " + std::to_string(nanos) +
                                " outside 0..999999999");
  }
  // Unix nanoseconds in an int64 cover the years 1678..2262.
  constexpr int64_t kMaxSeconds = INT64_MAX / kNanosPerSecond - 1;
  if (seconds > kMaxSeconds || seconds < -kMaxSeconds) {
    return InvalidArgumentError("protobuf: " + where + ".timestamp: seconds " + std::to_string(seconds) +
                                " outside the range of Unix nanoseconds");
  }
  return seconds * kNanosPerSecond + nanos;
}

Result<LokiEntry> DecodeEntry(std::string_view whole, std::string_view data, const std::string& where) {
  LokiEntry e;
  ProtoReader r(data, OffsetIn(whole, data));
  while (!r.done()) {
    KELOLA_ASSIGN_OR_RETURN(ProtoField f, r.Next());
    if (f.number < 1 || f.number > 3) continue;  // 4 (parsed) is query-side only
    if (f.type != WireType::kLen) return WrongType(f, where, "length-delimited");
    if (f.number == 1) {
      KELOLA_ASSIGN_OR_RETURN(e.timestamp_ns, DecodeTimestamp(whole, f.data, where));
    } else if (f.number == 2) {
      e.line.assign(f.data);
    } else {
      std::pair<std::string, std::string> pair;
      ProtoReader pr(f.data, OffsetIn(whole, f.data));
      while (!pr.done()) {
        KELOLA_ASSIGN_OR_RETURN(ProtoField pf, pr.Next());
        if (pf.number != 1 && pf.number != 2) continue;
        if (pf.type != WireType::kLen) return WrongType(pf, where + ".structuredMetadata", "length-delimited");
        (pf.number == 1 ? pair.first : pair.second).assign(pf.data);
      }
      e.structured_metadata.push_back(std::move(pair));
    }
  }
  return e;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string EncodeLokiPushProto(const LokiPushRequest& request) {
  ProtoWriter w;
  for (const auto& s : request.streams) {
    ProtoWriter sw;
    sw.BytesField(1, FormatLokiLabels(s.labels));
    for (const auto& e : s.entries) sw.MessageField(2, EncodeEntry(e));
    w.MessageField(1, sw.out());
  }
  return std::move(w.out());
}

Result<LokiPushRequest> DecodeLokiPushProto(std::string_view message, const LokiPushLimits& limits) {
  LokiPushRequest req;
  size_t entries = 0;
  ProtoReader r(message, 0);
  while (!r.done()) {
    KELOLA_ASSIGN_OR_RETURN(ProtoField f, r.Next());
    if (f.number != 1) continue;  // 2: format ("loki"/"otlp"), informational
    size_t si = req.streams.size();
    std::string where = "streams[" + std::to_string(si) + "]";
    if (f.type != WireType::kLen) return WrongType(f, "PushRequest", "length-delimited");
    LokiStream stream;
    bool has_labels = false;
    ProtoReader sr(f.data, OffsetIn(message, f.data));
    while (!sr.done()) {
      KELOLA_ASSIGN_OR_RETURN(ProtoField sf, sr.Next());
      if (sf.number == 1) {
        if (sf.type != WireType::kLen) return WrongType(sf, where, "length-delimited");
        auto labels = ParseLokiLabels(sf.data);
        if (!labels.ok()) return labels.status().WithContext(where);
        stream.labels = std::move(*labels);
        has_labels = true;
      } else if (sf.number == 2) {
        if (sf.type != WireType::kLen) return WrongType(sf, where, "length-delimited");
        if (++entries > limits.max_entries) {
          return ResourceExhaustedError("protobuf: more than " + std::to_string(limits.max_entries) + " entries");
        }
        KELOLA_ASSIGN_OR_RETURN(LokiEntry e, DecodeEntry(message, sf.data, Where(si, stream.entries.size())));
        stream.entries.push_back(std::move(e));
      }
    }
    if (!has_labels) return InvalidArgumentError("protobuf: " + where + ": no labels (field 1)");
    req.streams.push_back(std::move(stream));
  }
  return req;
}

Result<LokiPushRequest> DecodeLokiPushBody(std::string_view body, std::string_view content_type,
                                           std::string_view content_encoding, const LokiPushLimits& limits) {
  std::string encoding = Lower(Trim(content_encoding));
  std::string decoded;
  if (encoding == "gzip" || encoding == "deflate") {
    KELOLA_ASSIGN_OR_RETURN(decoded, InflateBody(body, encoding == "deflate", limits.max_decoded_bytes, "body"));
    body = decoded;
  } else if (!encoding.empty() && encoding != "snappy" && encoding != "identity") {
    return Status(StatusCode::kUnimplemented, "Content-Encoding \"" + std::string(content_encoding) +
                                                  "\" is not supported (use gzip, deflate or none)");
  }
  std::string type = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (type == "application/json") return DecodeLokiPushJson(body, limits);
  KELOLA_ASSIGN_OR_RETURN(std::string message, SnappyDecompress(body, limits.max_decoded_bytes, "protobuf body"));
  return DecodeLokiPushProto(message, limits);
}

}  // namespace kelola
