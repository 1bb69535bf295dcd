// Wire helpers shared by the transport frame and the log store's blocks:
// LEB128 varints, length-prefixed strings, zigzag, little-endian integers,
// and a bounds-checked reader whose errors name the field and byte offset.
//
// Header-only; stateless helpers, and a WireReader per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola::wire {

inline void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

inline void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

inline void PutFixed(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

inline uint64_t GetFixed(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(s[at + i])) << (8 * i);
  return v;
}

inline uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }
// a - b and a + b without signed overflow (wrapping, as the encoding does).
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

class WireReader {
 public:
  WireReader(std::string_view data, std::string context) : data_(data), context_(std::move(context)) {}

  Status Varint(const char* what, uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return Error(what, "truncated");
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && b > 1) return Error(what, "varint overflows 64 bits");
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return OkStatus();
    }
    return Error(what, "varint longer than 10 bytes");
  }

  Status String(const char* what, std::string& s) {
    uint64_t n = 0;
    KELOLA_RETURN_IF_ERROR(Varint(what, n));
    if (n > data_.size() - pos_) return Error(what, "length " + std::to_string(n) + " runs past the end");
    s.assign(data_.substr(pos_, n));
    pos_ += n;
    return OkStatus();
  }

  Status Byte(const char* what, uint8_t& b) {
    if (pos_ >= data_.size()) return Error(what, "truncated");
    b = static_cast<uint8_t>(data_[pos_++]);
    return OkStatus();
  }

  size_t remaining() const { return data_.size() - pos_; }

  Status Error(const std::string& what, const std::string& why) const {
    return InvalidArgumentError(context_ + " byte " + std::to_string(pos_) + ": " + what + ": " + why);
  }

 private:
  std::string_view data_;
  std::string context_;
  size_t pos_ = 0;
};

}  // namespace kelola::wire
