#include "integrations/loki/loki_push.h"

#include <gtest/gtest.h>

#include "base/crypto.h"
#include "integrations/loki/loki_compression.h"
#include "integrations/loki/protobuf_wire.h"

namespace kelola {
namespace {

LokiPushRequest Sample() {
  LokiPushRequest r;
  r.streams.push_back(LokiStream{{{"job", "varlogs"}, {"host", "web-1"}},
                                 {LokiEntry{1'700'000'000'123'456'789, "first line", {}},
                                  LokiEntry{1'700'000'001'000'000'000, "second \"line\"\n", {{"trace_id", "abc"}}}}});
  r.streams.push_back(LokiStream{{{"job", "other"}}, {LokiEntry{5, std::string("bin\0\xff", 5), {}}}});
  return r;
}

void ExpectEqual(const LokiPushRequest& a, const LokiPushRequest& b) {
  ASSERT_EQ(a.streams.size(), b.streams.size());
  for (size_t i = 0; i < a.streams.size(); ++i) {
    EXPECT_EQ(a.streams[i].labels, b.streams[i].labels);
    ASSERT_EQ(a.streams[i].entries.size(), b.streams[i].entries.size());
    for (size_t j = 0; j < a.streams[i].entries.size(); ++j) {
      EXPECT_EQ(a.streams[i].entries[j].timestamp_ns, b.streams[i].entries[j].timestamp_ns);
      EXPECT_EQ(a.streams[i].entries[j].line, b.streams[i].entries[j].line);
      EXPECT_EQ(a.streams[i].entries[j].structured_metadata, b.streams[i].entries[j].structured_metadata);
    }
  }
}

TEST(LokiPushProto, WireLayoutMatchesLogproto) {
  // PushRequest{streams: [{labels: `{a="b"}`, entries: [{timestamp: {1s, 2ns}, line: "x"}]}]}
  // as protoc encodes it, bytes worked out by hand from push.proto.
  LokiPushRequest r;
  r.streams.push_back(LokiStream{{{"a", "b"}}, {LokiEntry{1'000'000'002, "x", {}}}});
  std::string want =
      std::string("\x0a\x14", 2) + "\x0a\x07{a=\"b\"}" + std::string("\x12\x09\x0a\x04\x08\x01\x10\x02\x12\x01x", 11);
  EXPECT_EQ(EncodeLokiPushProto(r), want);
}

// Produced by the official protobuf runtime (python protobuf 7.36.2) from
// push.proto's message definitions, built with descriptor_pb2 (no protoc):
// streams [{labels: `{host="web-1", job="varlogs"}`, entries: [
//   {ts: 1700000000s 123456789ns, "GET /index.html 200"},
//   {ts: 1700000001s, "with metadata", structuredMetadata: [trace_id=0242ac]}]},
//  {labels: `{job="other"}`, entries: [{ts: -2s 999999999ns, "before 1970"}]}]
// SerializeToString(deterministic=True).hex(); testdata/official_push_encoding.py.
constexpr char kOfficialEncodingHex[] =
    "0a700a1d7b686f73743d227765622d31222c206a6f623d227661726c6f6773227d12220a0b0880e2cfaa0610959aef3a1213474554"
    "202f696e6465782e68746d6c20323030122b0a060881e2cfaa06120d77697468206d657461646174611a120a0874726163655f69"
    "6412063032343261630a310a0d7b6a6f623d226f74686572227d12200a1108feffffffffffffffff0110ff93ebdc03120b626566"
    "6f72652031393730";

TEST(LokiPushProto, MatchesTheOfficialProtobufRuntimeByteForByte) {
  LokiPushRequest r;
  r.streams.push_back(LokiStream{{{"host", "web-1"}, {"job", "varlogs"}},
                                 {LokiEntry{1'700'000'000'123'456'789, "GET /index.html 200", {}},
                                  LokiEntry{1'700'000'001'000'000'000, "with metadata", {{"trace_id", "0242ac"}}}}});
  r.streams.push_back(LokiStream{{{"job", "other"}}, {LokiEntry{-1'000'000'001, "before 1970", {}}}});
  std::string official;
  std::string_view hex = kOfficialEncodingHex;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    official.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  EXPECT_EQ(HexEncode(EncodeLokiPushProto(r)), kOfficialEncodingHex);
  auto d = DecodeLokiPushProto(official);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ExpectEqual(*d, r);
}

TEST(LokiPushProto, RoundTripsAndSkipsUnknownFields) {
  auto decoded = DecodeLokiPushProto(EncodeLokiPushProto(Sample()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectEqual(*decoded, Sample());

  // A newer client: PushRequest.format (2), StreamAdapter.hash (3),
  // EntryAdapter.parsed (4) and an unknown field 9 must all be skipped.
  ProtoWriter entry;
  ProtoWriter ts;
  ts.VarintField(1, 7);
  entry.MessageField(1, ts.out());
  entry.BytesField(2, "line");
  entry.MessageField(4, "\x0a\x01k\x12\x01v");
  entry.VarintField(9, 1);
  ProtoWriter stream;
  stream.BytesField(1, "{app=\"x\"}");
  stream.MessageField(2, entry.out());
  stream.VarintField(3, 12345);
  ProtoWriter req;
  req.MessageField(1, stream.out());
  req.BytesField(2, "loki");
  auto d = DecodeLokiPushProto(req.out());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->streams.size(), 1u);
  EXPECT_EQ(d->streams[0].labels.at("app"), "x");
  ASSERT_EQ(d->streams[0].entries.size(), 1u);
  EXPECT_EQ(d->streams[0].entries[0].timestamp_ns, 7'000'000'000);
  EXPECT_EQ(d->streams[0].entries[0].line, "line");
}

TEST(LokiPushProto, NegativeTimestampsKeepNanosPositive) {
  LokiPushRequest r;
  r.streams.push_back(LokiStream{{{"a", "b"}}, {LokiEntry{-1, "x", {}}}});
  auto d = DecodeLokiPushProto(EncodeLokiPushProto(r));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->streams[0].entries[0].timestamp_ns, -1);
}

TEST(LokiPushProto, MalformedSaysWhere) {
  ProtoWriter stream;
  stream.BytesField(1, "{app=x}");
  ProtoWriter req;
  req.MessageField(1, stream.out());
  auto bad_labels = DecodeLokiPushProto(req.out());
  ASSERT_FALSE(bad_labels.ok());
  EXPECT_NE(bad_labels.status().message().find("streams[0]: labels: expected a quoted value at byte 5"),
            std::string::npos)
      << bad_labels.status().message();

  ProtoWriter ts;
  ts.VarintField(2, 1'000'000'000);
  ProtoWriter entry;
  entry.MessageField(1, ts.out());
  ProtoWriter s2;
  s2.BytesField(1, "{a=\"b\"}");
  s2.MessageField(2, entry.out());
  ProtoWriter r2;
  r2.MessageField(1, s2.out());
  auto bad_nanos = DecodeLokiPushProto(r2.out());
  ASSERT_FALSE(bad_nanos.ok());
  EXPECT_NE(bad_nanos.status().message().find("streams[0].entries[0].timestamp: nanos 1000000000"), std::string::npos)
      << bad_nanos.status().message();

  std::string truncated = EncodeLokiPushProto(Sample());
  truncated.resize(truncated.size() - 3);
  auto t = DecodeLokiPushProto(truncated);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("but only"), std::string::npos) << t.status().message();

  LokiPushLimits limits;
  limits.max_entries = 2;
  auto many = DecodeLokiPushProto(EncodeLokiPushProto(Sample()), limits);
  EXPECT_EQ(many.status().code(), StatusCode::kResourceExhausted);
}

TEST(LokiPushJson, DecodesLokisDocumentedExample) {
  auto d = DecodeLokiPushJson(R"({"streams":[{"stream":{"foo":"bar2"},
      "values":[["1570818238000000000","fizzbuzz"],["1570818238000000001","with md",{"trace_id":"0242ac"}]]}]})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->streams.size(), 1u);
  EXPECT_EQ(d->streams[0].labels.at("foo"), "bar2");
  ASSERT_EQ(d->streams[0].entries.size(), 2u);
  EXPECT_EQ(d->streams[0].entries[0].timestamp_ns, 1'570'818'238'000'000'000);
  EXPECT_EQ(d->streams[0].entries[0].line, "fizzbuzz");
  EXPECT_EQ(d->streams[0].entries[1].structured_metadata,
            (std::vector<std::pair<std::string, std::string>>{{"trace_id", "0242ac"}}));
}

TEST(LokiPushJson, RoundTrips) {
  LokiPushRequest s = Sample();
  s.streams.pop_back();  // not UTF-8: JSON replaces those bytes
  auto d = DecodeLokiPushJson(EncodeLokiPushJson(s));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ExpectEqual(*d, s);
}

TEST(LokiPushJson, MalformedSaysWhere) {
  struct Case {
    const char* body;
    const char* want;
  } cases[] = {
      {R"({"streams":[)", "malformed at byte"},
      {R"([])", "body: must be an object"},
      {R"({"streams":{}})", "streams: must be an array"},
      {R"({"streams":[{"values":[]}]})", "streams[0].stream: must be an object of labels"},
      {R"({"streams":[{"stream":{"a.b":"c"},"values":[]}]})", "invalid label name \"a.b\""},
      {R"({"streams":[{"stream":{"a":1},"values":[]}]})", "streams[0].stream.a: label value must be a string"},
      {R"({"streams":[{"stream":{"a":"b"},"values":[[1,"x"]]}]})",
       "streams[0].values[0][0]: timestamp must be a string"},
      {R"({"streams":[{"stream":{"a":"b"},"values":[["12x","x"]]}]})", "streams[0].values[0][0]: timestamp \"12x\""},
      {R"({"streams":[{"stream":{"a":"b"},"values":[["1"]]}]})", "streams[0].values[0]: must be"},
      {R"({"streams":[{"stream":{"a":"b"},"values":[["1",2]]}]})",
       "streams[0].values[0][1]: log line must be a string"},
      {R"({"streams":[{"stream":{"a":"b"},"values":[["1","x",{"k":1}]]}]})", "values[0][2].k: structured metadata"},
  };
  for (const auto& c : cases) {
    auto d = DecodeLokiPushJson(c.body);
    ASSERT_FALSE(d.ok()) << c.body;
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(d.status().message().find(c.want), std::string::npos) << c.body << ": " << d.status().message();
  }
}

TEST(LokiPushBody, DispatchesOnContentTypeAndEncoding) {
  LokiPushRequest s = Sample();
  s.streams.pop_back();
  auto proto = DecodeLokiPushBody(SnappyCompress(EncodeLokiPushProto(s)), "application/x-protobuf", "");
  ASSERT_TRUE(proto.ok()) << proto.status().ToString();
  ExpectEqual(*proto, s);
  auto none = DecodeLokiPushBody(SnappyCompress(EncodeLokiPushProto(s)), "", "");
  ASSERT_TRUE(none.ok());  // Loki: no Content-Type means protobuf
  auto json = DecodeLokiPushBody(EncodeLokiPushJson(s), "application/json; charset=utf-8", "");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  ExpectEqual(*json, s);
  auto gz = DecodeLokiPushBody(GzipCompress(EncodeLokiPushJson(s)), "application/json", "gzip");
  ASSERT_TRUE(gz.ok()) << gz.status().ToString();
  ExpectEqual(*gz, s);
  auto br = DecodeLokiPushBody("x", "application/json", "br");
  EXPECT_EQ(br.status().code(), StatusCode::kUnimplemented);
  auto not_snappy = DecodeLokiPushBody(EncodeLokiPushJson(s), "application/x-protobuf", "");
  EXPECT_EQ(not_snappy.status().code(), StatusCode::kInvalidArgument);
  auto bad_gzip = DecodeLokiPushBody("not gzip at all", "application/json", "gzip");
  EXPECT_EQ(bad_gzip.status().code(), StatusCode::kInvalidArgument);
  std::string gz_body = GzipCompress(EncodeLokiPushJson(s));
  auto cut = DecodeLokiPushBody(std::string_view(gz_body).substr(0, gz_body.size() / 2), "application/json", "gzip");
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidArgument) << cut.status().ToString();
}

TEST(LokiPushBody, RefusesBombsBeforeAllocating) {
  LokiPushLimits limits;
  limits.max_decoded_bytes = 1024 * 1024;
  std::string zeros(8 * 1024 * 1024, '\0');
  auto snappy = DecodeLokiPushBody(SnappyCompress(zeros), "application/x-protobuf", "", limits);
  EXPECT_EQ(snappy.status().code(), StatusCode::kResourceExhausted) << snappy.status().ToString();
  auto gzip = DecodeLokiPushBody(GzipCompress(zeros), "application/json", "gzip", limits);
  EXPECT_EQ(gzip.status().code(), StatusCode::kResourceExhausted) << gzip.status().ToString();
}

}  // namespace
}  // namespace kelola
