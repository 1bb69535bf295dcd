#include "integrations/loki/protobuf_wire.h"

namespace kelola {

void ProtoWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ProtoWriter::VarintField(uint32_t field, uint64_t v) {
  if (v == 0) return;
  Tag(field, WireType::kVarint);
  Varint(v);
}

void ProtoWriter::BytesField(uint32_t field, std::string_view bytes) {
  if (bytes.empty()) return;
  MessageField(field, bytes);
}

void ProtoWriter::MessageField(uint32_t field, std::string_view encoded) {
  Tag(field, WireType::kLen);
  Varint(encoded.size());
  out_.append(encoded);
}

Result<uint64_t> ProtoReader::ReadVarint(const char* what) {
  uint64_t v = 0;
  size_t start = pos_;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) {
      return InvalidArgumentError(std::string("protobuf: truncated ") + what + " at byte " +
                                  std::to_string(base_ + start));
    }
    uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    if (shift == 63 && b > 1) break;  // would overflow 64 bits
    v |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return v;
  }
  return InvalidArgumentError(std::string("protobuf: ") + what + " longer than 64 bits at byte " +
                              std::to_string(base_ + start));
}

Result<ProtoField> ProtoReader::Next() {
  ProtoField f;
  f.offset = base_ + pos_;
  KELOLA_ASSIGN_OR_RETURN(uint64_t tag, ReadVarint("field tag"));
  uint64_t number = tag >> 3;
  if (number == 0 || number > 0x1fffffff) {
    return InvalidArgumentError("protobuf: invalid field number " + std::to_string(number) + " at byte " +
                                std::to_string(f.offset));
  }
  f.number = static_cast<uint32_t>(number);
  switch (tag & 7) {
    case 0: {
      f.type = WireType::kVarint;
      KELOLA_ASSIGN_OR_RETURN(f.varint, ReadVarint("varint"));
      return f;
    }
    case 1:
    case 5: {
      size_t n = (tag & 7) == 1 ? 8 : 4;
      f.type = n == 8 ? WireType::kFixed64 : WireType::kFixed32;
      if (data_.size() - pos_ < n) {
        return InvalidArgumentError("protobuf: truncated fixed-width field " + std::to_string(number) + " at byte " +
                                    std::to_string(f.offset));
      }
      for (size_t i = 0; i < n; ++i) f.varint |= uint64_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
      pos_ += n;
      return f;
    }
    case 2: {
      f.type = WireType::kLen;
      KELOLA_ASSIGN_OR_RETURN(uint64_t len, ReadVarint("length"));
      if (len > data_.size() - pos_) {
        return InvalidArgumentError("protobuf: field " + std::to_string(number) + " at byte " +
                                    std::to_string(f.offset) + " declares " + std::to_string(len) + " bytes but only " +
                                    std::to_string(data_.size() - pos_) + " remain");
      }
      f.data = data_.substr(pos_, static_cast<size_t>(len));
      pos_ += static_cast<size_t>(len);
      return f;
    }
    default:
      return InvalidArgumentError("protobuf: unsupported wire type " + std::to_string(tag & 7) + " of field " +
                                  std::to_string(number) + " at byte " + std::to_string(f.offset));
  }
}

}  // namespace kelola
