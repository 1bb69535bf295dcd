// Protocol Buffers wire format, by hand: varints, tags and length-delimited
// fields, enough to encode and decode Loki's logproto.PushRequest without
// protoc (https://protobuf.dev/programming-guides/encoding/).
//
// ProtoReader never reads past its input: every length is checked against
// the bytes left, and a malformation is InvalidArgument naming the byte
// offset (relative to the whole message, via `base`). Unknown fields are
// skipped by wire type; groups (wire types 3 and 4) are refused, as no
// message here has any. Plain values; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

class ProtoWriter {
 public:
  void Varint(uint64_t v);
  void Tag(uint32_t field, WireType type) { Varint((uint64_t{field} << 3) | static_cast<uint8_t>(type)); }
  void VarintField(uint32_t field, uint64_t v);
  // Skipped when empty, as proto3 does for default values.
  void BytesField(uint32_t field, std::string_view bytes);
  // A nested message, written even when empty (a repeated element must be).
  void MessageField(uint32_t field, std::string_view encoded);
  std::string& out() { return out_; }

 private:
  std::string out_;
};

struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;    // kVarint, kFixed64, kFixed32
  std::string_view data;  // kLen
  size_t offset = 0;      // of the field's tag, from the start of the outermost message
};

class ProtoReader {
 public:
  ProtoReader(std::string_view data, size_t base) : data_(data), base_(base) {}
  bool done() const { return pos_ >= data_.size(); }
  // The next field; call only when !done().
  Result<ProtoField> Next();

 private:
  Result<uint64_t> ReadVarint(const char* what);
  std::string_view data_;
  size_t base_ = 0;
  size_t pos_ = 0;
};

}  // namespace kelola
