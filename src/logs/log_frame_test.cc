#include "logs/log_frame.h"

#include <gtest/gtest.h>

#include "logs/zstd_codec.h"

namespace kelola {
namespace {

LogRecord Rec(std::string stream, std::string path, uint64_t offset, std::string text, int64_t time_ms,
              bool split = false) {
  LogRecord r;
  r.stream_id = std::move(stream);
  r.path = std::move(path);
  r.offset = offset;
  r.end_offset = offset + text.size() + (split ? 0 : 1);
  r.text = std::move(text);
  r.time_ms = time_ms;
  r.split = split;
  return r;
}

LogBatch Sample() {
  LogBatch b;
  b.agent = "web-1";
  b.labels = {{"host", "web-1"}, {"service", "api"}};
  b.records.push_back(Rec("00000000000000a1", "/var/log/a.log", 0, "first line", 1'700'000'000'000));
  b.records.push_back(Rec("00000000000000b2", "/var/log/b.log", 100, "other file", 1'700'000'000'005));
  b.records.push_back(Rec("00000000000000a1", "/var/log/a.log", 11, "piece", 1'699'999'999'000, true));
  b.records.push_back(Rec("00000000000000a1", "/var/log/a.log", 16, std::string("bin\0ary \xff", 9), 0));
  return b;
}

void ExpectSame(const LogBatch& a, const LogBatch& b) {
  EXPECT_EQ(a.agent, b.agent);
  EXPECT_EQ(a.labels, b.labels);
  ASSERT_EQ(a.records.size(), b.records.size());
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].stream_id, b.records[i].stream_id) << i;
    EXPECT_EQ(a.records[i].path, b.records[i].path) << i;
    EXPECT_EQ(a.records[i].offset, b.records[i].offset) << i;
    EXPECT_EQ(a.records[i].end_offset, b.records[i].end_offset) << i;
    EXPECT_EQ(a.records[i].time_ms, b.records[i].time_ms) << i;
    EXPECT_EQ(a.records[i].text, b.records[i].text) << i;
    EXPECT_EQ(a.records[i].split, b.records[i].split) << i;
    EXPECT_EQ(a.records[i].level, b.records[i].level) << i;
    EXPECT_EQ(a.records[i].fields, b.records[i].fields) << i;
  }
}

LogBatch WithLevelsAndFields() {
  LogBatch b = Sample();
  b.records[0].level = "warn";
  b.records[0].fields = {{"user", "ana"}, {"status", "500"}, {"empty", ""}};
  b.records[2].level = "fatal";
  return b;
}

TEST(LogFrameTest, RoundTripsCompressedAndPlain) {
  for (int level : {0, 1, 3, 19}) {
    auto frame = EncodeFrame(Sample(), level);
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    auto decoded = DecodeFrame(*frame);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ExpectSame(Sample(), *decoded);
  }
}

TEST(LogFrameTest, StorablePayloadIsTheCompressedV2PayloadOnly) {
  auto frame = EncodeFrame(WithLevelsAndFields(), 3);
  ASSERT_TRUE(frame.ok());
  auto p = StorableFramePayload(*frame);
  ASSERT_TRUE(p.has_value());
  std::string raw = EncodeBatchPayload(WithLevelsAndFields());
  EXPECT_EQ(p->raw_len, raw.size());
  auto back = ZstdDecompress(p->zstd, p->raw_len, "test");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, raw);
  EXPECT_FALSE(StorableFramePayload(*EncodeFrame(Sample(), 0)).has_value());  // not compressed
  EXPECT_FALSE(StorableFramePayload(*EncodeFrame(Sample(), 3, kFramePayloadV1)).has_value());
  EXPECT_FALSE(StorableFramePayload("KLF").has_value());
}

TEST(LogFrameTest, OnlyOneZstdFrameWithSizeAndChecksumCountsAsStorable) {
  std::string raw(1000, 'x');
  auto z = ZstdCompress(raw, 3);
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(IsSingleZstdFrameWithChecksum(*z, raw.size()));
  EXPECT_FALSE(IsSingleZstdFrameWithChecksum(*z, raw.size() + 1));
  EXPECT_FALSE(IsSingleZstdFrameWithChecksum(*z + *z, raw.size()));
  EXPECT_FALSE(IsSingleZstdFrameWithChecksum(z->substr(0, z->size() - 1), raw.size()));
  std::string no_checksum = *z;
  no_checksum[4] = static_cast<char>(no_checksum[4] & ~0x04);
  EXPECT_FALSE(IsSingleZstdFrameWithChecksum(no_checksum, raw.size()));
  EXPECT_FALSE(IsSingleZstdFrameWithChecksum("", 0));
}

TEST(LogFrameTest, StreamsWhoseIdAndPathHoldNulBytesStayApart) {
  // Found by fuzz/log_frame_fuzz.cc: the stream index keyed "id\0path", so
  // ("a\0", "b") and ("a", "\0b") shared an entry.
  LogBatch b;
  b.agent = "web-1";
  b.records.push_back(Rec(std::string("a\0", 2), "b", 0, "one", 1));
  b.records.push_back(Rec("a", std::string("\0b", 2), 0, "two", 2));
  auto frame = EncodeFrame(b, 1);
  ASSERT_TRUE(frame.ok());
  auto decoded = DecodeFrame(*frame);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSame(b, *decoded);
}

TEST(LogFrameTest, Version2CarriesLevelAndFields) {
  for (int level : {0, 3}) {
    auto frame = EncodeFrame(WithLevelsAndFields(), level);
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ((*frame)[4], 2);
    auto decoded = DecodeFrame(*frame);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ExpectSame(WithLevelsAndFields(), *decoded);
  }
}

TEST(LogFrameTest, Version1FramesOfOlderAgentsStillDecode) {
  auto frame = EncodeFrame(WithLevelsAndFields(), 3, kFramePayloadV1);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ((*frame)[4], 1);
  auto decoded = DecodeFrame(*frame);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSame(Sample(), *decoded);  // v1 has no level and no fields
}

TEST(LogFrameTest, RepeatedOrTooManyFieldsAreRejected) {
  LogBatch b;
  b.records.push_back(Rec("00000000000000a1", "/a", 0, "x", 0));
  b.records[0].fields = {{"a", "1"}, {"b", "2"}};
  std::string payload = EncodeBatchPayload(b);
  // The field names are the last bytes before their values: make "b" an "a".
  size_t at =
      payload.rfind(std::string("\x01"
                                "b"
                                "\x01"
                                "2",
                                4));
  ASSERT_NE(at, std::string::npos);
  payload[at + 1] = 'a';
  auto r = DecodeBatchPayload(payload, {}, "test");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("repeated"), std::string::npos) << r.status().message();
  for (int i = 0; i < 1100; ++i) b.records[0].fields["f" + std::to_string(i)] = "v";
  r = DecodeBatchPayload(EncodeBatchPayload(b), {}, "test");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too many"), std::string::npos) << r.status().message();
}

TEST(LogFrameTest, EmptyBatchRoundTrips) {
  auto frame = EncodeFrame(LogBatch{});
  ASSERT_TRUE(frame.ok());
  auto decoded = DecodeFrame(*frame);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(decoded->records.empty());
}

TEST(LogFrameTest, CompressionPaysOffOnRepetitiveLogs) {
  LogBatch b;
  for (int i = 0; i < 1000; ++i) {
    b.records.push_back(
        Rec("00000000000000a1", "/var/log/a.log", i * 60,
            "2026-11-27T12:00:00Z INFO request served path=/api/v1/items status=200 n=" + std::to_string(i),
            1'700'000'000'000 + i));
  }
  auto frame = EncodeFrame(b, 3);
  ASSERT_TRUE(frame.ok());
  EXPECT_LT(frame->size(), 1000u * 80 / 5);
}

TEST(LogFrameTest, MalformedFramesAreInvalidArgumentNeverACrash) {
  auto frame = EncodeFrame(Sample(), 0);
  ASSERT_TRUE(frame.ok());
  auto expect_bad = [](std::string_view f, std::string_view needle) {
    auto r = DecodeFrame(f);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  expect_bad("", "shorter than the header");
  expect_bad("XXXX" + frame->substr(4), "bad magic");
  std::string v = *frame;
  v[4] = 9;
  expect_bad(v, "version");
  expect_bad(frame->substr(0, frame->size() - 1), "body bytes");
  // Every truncation of the payload (with a consistent header) is caught.
  for (size_t cut = 14; cut < frame->size(); ++cut) {
    std::string t = frame->substr(0, cut);
    uint32_t len = static_cast<uint32_t>(cut - 14);
    for (int i = 0; i < 4; ++i) t[6 + i] = t[10 + i] = static_cast<char>((len >> (8 * i)) & 0xff);
    EXPECT_FALSE(DecodeFrame(t).ok()) << cut;
  }
  auto compressed = EncodeFrame(Sample(), 3);
  ASSERT_TRUE(compressed.ok());
  std::string corrupt = *compressed;
  corrupt[corrupt.size() - 6] ^= 0x55;
  EXPECT_FALSE(DecodeFrame(corrupt).ok());
}

TEST(LogFrameTest, LimitsAreEnforced) {
  auto frame = EncodeFrame(Sample(), 3);
  ASSERT_TRUE(frame.ok());
  FrameLimits small;
  small.max_decoded_bytes = 10;
  EXPECT_FALSE(DecodeFrame(*frame, small).ok());
  FrameLimits few;
  few.max_records = 3;
  EXPECT_FALSE(DecodeFrame(*frame, few).ok());
}

}  // namespace
}  // namespace kelola
