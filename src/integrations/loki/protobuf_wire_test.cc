#include "integrations/loki/protobuf_wire.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(ProtobufWire, VarintsMatchTheSpec) {
  // https://protobuf.dev/programming-guides/encoding/: 150 is 96 01.
  ProtoWriter w;
  w.Varint(150);
  EXPECT_EQ(w.out(), std::string("\x96\x01"));
  ProtoWriter big;
  big.Varint(UINT64_MAX);
  EXPECT_EQ(big.out().size(), 10u);
}

TEST(ProtobufWire, ReadsWhatItWritesAndSkipsUnknown) {
  ProtoWriter w;
  w.VarintField(1, 300);
  w.BytesField(2, "hello");
  w.Tag(3, WireType::kFixed64);
  w.out().append("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  w.Tag(4, WireType::kFixed32);
  w.out().append("\x01\x00\x00\x00", 4);
  ProtoReader r(w.out(), 0);
  auto a = r.Next();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->number, 1u);
  EXPECT_EQ(a->varint, 300u);
  auto b = r.Next();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->data, "hello");
  auto c = r.Next();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->varint, 0x0807060504030201u);
  auto d = r.Next();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->varint, 1u);
  EXPECT_TRUE(r.done());
}

TEST(ProtobufWire, RefusesMalformed) {
  struct Case {
    std::string bytes;
    const char* want;
  } cases[] = {
      {std::string("\x0a\x05hi", 4), "declares 5 bytes but only 2 remain"},
      {std::string("\x08\x80", 2), "truncated varint at byte 1"},
      {std::string("\x0b", 1), "unsupported wire type 3"},
      {std::string("\x00", 1), "invalid field number 0"},
      {std::string("\x09\x01\x02", 3), "truncated fixed-width"},
      {std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11), "longer than 64 bits"},
  };
  for (const auto& c : cases) {
    ProtoReader r(c.bytes, 0);
    auto f = r.Next();
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find(c.want), std::string::npos) << f.status().message();
  }
}

}  // namespace
}  // namespace kelola
