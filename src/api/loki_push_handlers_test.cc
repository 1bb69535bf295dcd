// POST /loki/api/v1/push in-process: a real HttpServer, SQLite token store
// and LogStore in a temp dir, bodies in both encodings and broken ones.
#include "api/loki_push_handlers.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/log_handlers.h"
#include "api/loki_push_ingest.h"
#include "base/crypto.h"
#include "integrations/loki/loki_compression.h"
#include "integrations/loki/protobuf_wire.h"
#include "net/http_client.h"

namespace kelola {
namespace {

using json = nlohmann::json;

class LokiPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kelola-loki-push-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    auto store = OpenSqliteStore((dir_ / "kelola.db").string(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto box = SecretBox::Create(std::string(32, 'm'));
    ASSERT_TRUE(box.ok());
    sealer_ = std::make_unique<SecretSealer>(*store_, std::move(*box));
    LogStoreOptions lo;
    lo.dir = (dir_ / "logs").string();
    lo.fsync = false;
    auto logs = LogStore::Open(lo, clock_);
    ASSERT_TRUE(logs.ok()) << logs.status().ToString();
    logs_ = std::move(*logs);
    ctx_ = std::make_unique<ApiContext>(
        ApiContext{*store_, clock_, kinds_, *sealer_, "test", [] { return std::string(); }, nullptr, &shutting_down_});
    HttpServerOptions opts;
    opts.max_body_bytes = 256 * 1024;
    server_ = std::make_unique<HttpServer>(opts);
    LokiPushLimits limits;
    limits.max_decoded_bytes = 1024 * 1024;
    RegisterLokiPushRoutes(*server_, *ctx_, *logs_, metrics_, limits);
    RegisterLogRoutes(*server_, *ctx_, *logs_, metrics_);
    RegisterApiRoutes(*server_, *ctx_);
    ASSERT_TRUE(server_->Start().ok());
    url_ = "http://127.0.0.1:" + std::to_string(server_->port()) + "/loki/api/v1/push";
    operator_ = Issue("promtail-1", Role::kOperator);
    viewer_ = Issue("dash", Role::kViewer);
  }

  void TearDown() override {
    shutting_down_ = true;
    server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  std::string Issue(const std::string& name, Role role) {
    auto t = IssueToken(*store_, clock_, name, role);
    EXPECT_TRUE(t.ok());
    return t->plaintext;
  }

  ClientResponse Post(const std::string& body, const std::string& content_type, const std::string& encoding = "",
                      std::string authorization = "") {
    ClientRequest req;
    req.method = "POST";
    req.url = url_;
    req.headers["Authorization"] = authorization.empty() ? "Bearer " + operator_ : authorization;
    if (!content_type.empty()) req.headers["Content-Type"] = content_type;
    if (!encoding.empty()) req.headers["Content-Encoding"] = encoding;
    req.body = body;
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }

  std::vector<StoredRecord> All() {
    LogQuery q;
    q.limit = 100000;
    auto r = logs_->Query(q);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->records : std::vector<StoredRecord>{};
  }

  static LokiPushRequest Numbered(int first, int n, const std::string& job = "varlogs") {
    LokiPushRequest p;
    LokiStream s{{{"job", job}, {"host", "web-1"}, {"filename", "/var/log/syslog"}}, {}};
    for (int i = first; i < first + n; ++i) {
      s.entries.push_back(LokiEntry{1'700'000'000'000'000'000 + int64_t{i} * 1000, "line " + std::to_string(i), {}});
    }
    p.streams.push_back(std::move(s));
    return p;
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  FakeClock clock_;
  KindRegistry kinds_ = BuiltinKinds();
  MetricsRegistry metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SecretSealer> sealer_;
  std::unique_ptr<LogStore> logs_;
  std::atomic<bool> shutting_down_{false};
  std::unique_ptr<ApiContext> ctx_;
  std::unique_ptr<HttpServer> server_;
  HttpClient client_{HttpClientOptions{.max_retries = 0}};
  std::string url_, operator_, viewer_;
};

TEST_F(LokiPushTest, SnappyProtobufIsStoredWithLabels) {
  auto r = Post(SnappyCompress(EncodeLokiPushProto(Numbered(0, 50))), "application/x-protobuf");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  auto all = All();
  ASSERT_EQ(all.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(all[i].record.text, "line " + std::to_string(i));
    EXPECT_EQ(all[i].agent, "promtail-1");
    EXPECT_EQ(all[i].labels, (std::map<std::string, std::string>{
                                 {"filename", "/var/log/syslog"}, {"host", "web-1"}, {"job", "varlogs"}}));
    EXPECT_EQ(all[i].record.path, "/var/log/syslog");
    EXPECT_EQ(all[i].record.time_ms, 1'700'000'000'000 + i / 1000);
  }
}

TEST_F(LokiPushTest, JsonAndGzipJsonAreStored) {
  ASSERT_EQ(Post(EncodeLokiPushJson(Numbered(0, 10)), "application/json").status, 204);
  ASSERT_EQ(Post(GzipCompress(EncodeLokiPushJson(Numbered(10, 10))), "application/json", "gzip").status, 204);
  auto all = All();
  ASSERT_EQ(all.size(), 20u);
  EXPECT_EQ(all[19].record.text, "line 19");
}

TEST_F(LokiPushTest, RetriedPushIsStoredOnce) {
  std::string body = SnappyCompress(EncodeLokiPushProto(Numbered(0, 100)));
  ASSERT_EQ(Post(body, "application/x-protobuf").status, 204);
  ASSERT_EQ(Post(body, "application/x-protobuf").status, 204);
  // Overlapping retry with new entries: only the new ones are added.
  ASSERT_EQ(Post(SnappyCompress(EncodeLokiPushProto(Numbered(50, 100))), "application/x-protobuf").status, 204);
  auto all = All();
  ASSERT_EQ(all.size(), 150u);
  for (int i = 0; i < 150; ++i) EXPECT_EQ(all[i].record.text, "line " + std::to_string(i));
}

TEST_F(LokiPushTest, SameTimestampLinesAreAllKept) {
  LokiPushRequest p;
  p.streams.push_back(LokiStream{{{"job", "a"}}, {LokiEntry{5'000'000, "x", {}}, LokiEntry{5'000'000, "y", {}}}});
  p.streams.push_back(LokiStream{{{"job", "a"}}, {LokiEntry{5'000'000, "z", {}}}});  // same labels again
  ASSERT_EQ(Post(EncodeLokiPushJson(p), "application/json").status, 204);
  ASSERT_EQ(Post(EncodeLokiPushJson(p), "application/json").status, 204);
  auto all = All();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].record.text, "x");
  EXPECT_EQ(all[2].record.text, "z");
}

TEST_F(LokiPushTest, BasicAuthWithTheTokenAsPassword) {
  std::string body = EncodeLokiPushJson(Numbered(0, 1));
  EXPECT_EQ(Post(body, "application/json", "", "Basic " + Base64Encode("anyone:" + operator_)).status, 204);
  auto wrong = Post(body, "application/json", "", "Basic " + Base64Encode("anyone:kl_nope_nope"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Post(body, "application/json", "", "Basic !!!").status, 401);
  EXPECT_EQ(Post(body, "application/json", "", "Bearer " + viewer_).status, 403);
  ClientRequest none{.method = "POST", .url = url_, .body = body};
  auto r = client_.Send(none);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(All().size(), 1u);
}

TEST_F(LokiPushTest, MalformedBodiesSayWhatAndWhere) {
  struct Case {
    std::string body, type, encoding;
    int status;
    const char* want;
  } cases[] = {
      {R"({"streams":[{"stream":{"a":"b"},"values":[["x","l"]]}]})", "application/json", "", 400,
       "streams[0].values[0][0]: timestamp \"x\""},
      {R"({"streams":[)", "application/json", "", 400, "malformed at byte"},
      {"\xff\xff\xff\xff\xff\xff", "application/x-protobuf", "", 400, "not snappy block format"},
      {SnappyCompress("\x0a\x07\x0a\x05{a=b}"), "application/x-protobuf", "", 400, "streams[0]: labels"},
      {R"({"streams":[{"stream":{},"values":[["1","l"]]}]})", "application/json", "", 400,
       "streams[0]: at least one label pair"},
      {"x", "application/json", "br", 415, "Content-Encoding"},
      {SnappyCompress(std::string(2 * 1024 * 1024, 'a')), "application/x-protobuf", "", 413, "limit"},
      {std::string(300 * 1024, 'a'), "application/json", "", 413, ""},
  };
  for (const auto& c : cases) {
    auto r = Post(c.body, c.type, c.encoding);
    EXPECT_EQ(r.status, c.status) << c.want << ": " << r.body;
    auto body = json::parse(r.body, nullptr, false);
    std::string message = body.is_object() ? body["error"]["message"].get<std::string>() : r.body;
    EXPECT_NE(message.find(c.want), std::string::npos) << r.body;
  }
  EXPECT_TRUE(All().empty());
}

TEST_F(LokiPushTest, QueryableByLabelsThroughTheLogApi) {
  ASSERT_EQ(Post(EncodeLokiPushJson(Numbered(0, 5, "a")), "application/json").status, 204);
  ASSERT_EQ(Post(EncodeLokiPushJson(Numbered(0, 7, "b")), "application/json").status, 204);
  ClientRequest q{.url = "http://127.0.0.1:" + std::to_string(server_->port()) +
                         "/v1/logs/query?selector=job=b,file=/var/log/syslog"};
  q.headers["Authorization"] = "Bearer " + viewer_;
  auto r = client_.Send(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  auto items = json::parse(r->body)["items"];
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[6]["text"], "line 6");
}

TEST_F(LokiPushTest, StructuredMetadataBecomesQueryableLabels) {
  LokiPushRequest p = Numbered(0, 6);
  for (int i = 0; i < 6; ++i) p.streams[0].entries[i].structured_metadata = {{"trace_id", i < 3 ? "t1" : "t2"}};
  p.streams[0].entries[5].structured_metadata.push_back({"job", "ignored: the stream label wins"});
  std::string body = EncodeLokiPushJson(p);
  ASSERT_EQ(Post(body, "application/json").status, 204);
  ASSERT_EQ(Post(body, "application/json").status, 204);  // a retry stays a no-op across runs
  auto all = All();
  ASSERT_EQ(all.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(all[i].record.text, "line " + std::to_string(i));
    EXPECT_EQ(all[i].labels.at("trace_id"), i < 3 ? "t1" : "t2");
    EXPECT_EQ(all[i].labels.at("job"), "varlogs");
  }
  // Too many distinct runs for one request: stored without metadata, counted.
  LokiPushRequest many = Numbered(100, kMaxLokiIngestBatches + 1);
  for (size_t i = 0; i < many.streams[0].entries.size(); ++i) {
    many.streams[0].entries[i].structured_metadata = {{"trace_id", std::to_string(i)}};
  }
  auto b = LokiPushToBatches(many, "me");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->batches.size(), 1u);
  EXPECT_EQ(b->metadata_dropped, kMaxLokiIngestBatches + 1);
  ASSERT_EQ(Post(EncodeLokiPushJson(many), "application/json").status, 204);
  EXPECT_EQ(All().size(), 6u + kMaxLokiIngestBatches + 1);
}

TEST(LokiPushIngest, OffsetsKeepTimeOrderAcrossTheWholeRange) {
  EXPECT_LT(LokiOffsetOf(-5), LokiOffsetOf(0));
  EXPECT_LT(LokiOffsetOf(INT64_MIN), LokiOffsetOf(-1));
  EXPECT_LT(LokiOffsetOf(1), LokiOffsetOf(INT64_MAX));
  LokiPushRequest p;
  p.streams.push_back(LokiStream{{{"a", "b"}}, {LokiEntry{-1'500'000, "old", {{"k", "v"}}}, LokiEntry{-3, "x", {}}}});
  auto b = LokiPushToBatches(p, "me");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->metadata_dropped, 0u);
  ASSERT_EQ(b->batches.size(), 2u);  // a run with metadata k=v, a run without
  EXPECT_EQ(b->batches[0].labels, (LokiLabels{{"a", "b"}, {"k", "v"}}));
  EXPECT_EQ(b->batches[1].labels, (LokiLabels{{"a", "b"}}));
  EXPECT_EQ(b->batches[0].records[0].time_ms, -2);
  EXPECT_EQ(b->batches[1].records[0].time_ms, -1);
  EXPECT_EQ(b->batches[0].records[0].stream_id.size(), 16u);
  EXPECT_EQ(b->batches[0].records[0].stream_id, b->batches[1].records[0].stream_id);
  LokiPushRequest last;
  last.streams.push_back(LokiStream{{{"a", "b"}}, {LokiEntry{INT64_MAX, "end of time", {}}}});
  auto e = LokiPushToBatches(last, "me");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->batches[0].records[0].end_offset, UINT64_MAX);  // no wrap to 0
}

}  // namespace
}  // namespace kelola
