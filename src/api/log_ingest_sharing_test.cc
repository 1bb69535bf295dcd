// The three log ingest routes with a LogBatchPublisher (several replicas on
// PostgreSQL): what is acknowledged went through the publisher (never a
// local append of the handler's own), and what it refused is a 503;
// in-process with a real HttpServer, SQLite token store and LogStore. The
// publisher here records calls, appends to the store as the feed would, and
// can be made to fail: it stands in for SharedLogPublisher + SharedLogFeed
// (src/logs; PostgreSQL end to end in tests/integration/ha_logs_test.cc).
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "api/auth.h"
#include "api/es_bulk_handlers.h"
#include "api/log_handlers.h"
#include "api/loki_push_handlers.h"
#include "net/http_client.h"

namespace kelola {
namespace {

class RecordingPublisher final : public LogBatchPublisher {
 public:
  Result<AppendResult> Publish(const LogBatch& batch, std::string_view frame) override {
    std::lock_guard lock(mu);
    if (fail) return UnavailableError("PostgreSQL is down");
    published.push_back({batch.records.size(), std::string(frame)});
    return store->Append(batch);
  }
  LogStore* store = nullptr;
  std::mutex mu;
  bool fail = false;
  std::vector<std::pair<size_t, std::string>> published;  // records, frame as given
};

LogBatch Lines(int first, int n) {
  LogBatch b;
  b.agent = "web-1";
  for (int i = first; i < first + n; ++i) {
    LogRecord r;
    r.stream_id = "00000000000000a1";
    r.path = "/var/log/app.log";
    r.offset = static_cast<uint64_t>(i) * 10;
    r.end_offset = r.offset + 10;
    r.time_ms = 1'700'000'000'000 + i;
    r.text = "line " + std::to_string(i);
    b.records.push_back(r);
  }
  return b;
}

class LogIngestSharingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kelola-ingest-sharing-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
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
    ASSERT_TRUE(logs.ok());
    logs_ = std::move(*logs);
    publisher_.store = logs_.get();
    ctx_ = std::make_unique<ApiContext>(
        ApiContext{*store_, clock_, kinds_, *sealer_, "test", [] { return std::string(); }, nullptr, &shutting_down_});
    server_ = std::make_unique<HttpServer>(HttpServerOptions{});
    RegisterLogRoutes(*server_, *ctx_, *logs_, metrics_, &publisher_);
    RegisterLokiPushRoutes(*server_, *ctx_, *logs_, metrics_, {}, &publisher_);
    RegisterEsBulkRoutes(*server_, *ctx_, *logs_, metrics_, &publisher_);
    RegisterApiRoutes(*server_, *ctx_);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    auto token = IssueToken(*store_, clock_, "agent-1", Role::kOperator);
    ASSERT_TRUE(token.ok());
    token_ = token->plaintext;
  }

  void TearDown() override {
    shutting_down_ = true;
    server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  ClientResponse Post(const std::string& path, const std::string& body, const std::string& content_type) {
    ClientRequest req;
    req.method = "POST";
    req.url = base_ + path;
    req.headers["Authorization"] = "Bearer " + token_;
    req.headers["Content-Type"] = content_type;
    req.body = body;
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }

  size_t Stored() {
    auto r = logs_->Query(LogQuery{});
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->records.size() : 0;
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
  RecordingPublisher publisher_;
  std::string base_, token_;
};

TEST_F(LogIngestSharingTest, AnAgentFrameIsPublishedAsSentAndThenAcknowledged) {
  auto frame = EncodeFrame(Lines(0, 5));
  ASSERT_TRUE(frame.ok());
  auto r = Post("/v1/logs/ingest", *frame, "application/x-kelola-frame");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(publisher_.published.size(), 1u);
  EXPECT_EQ(publisher_.published[0].first, 5u);
  EXPECT_EQ(publisher_.published[0].second, *frame) << "the agent's own bytes, not re-encoded";
  EXPECT_EQ(Stored(), 5u);
}

TEST_F(LogIngestSharingTest, AnAgentFrameThatCannotBePublishedIsRefusedAndItsRetryPublishesIt) {
  auto frame = EncodeFrame(Lines(0, 5));
  ASSERT_TRUE(frame.ok());
  publisher_.fail = true;
  auto refused = Post("/v1/logs/ingest", *frame, "application/x-kelola-frame");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("PostgreSQL is down"), std::string::npos) << refused.body;
  EXPECT_EQ(Stored(), 0u) << "not stored here either: only the feed stores";

  publisher_.fail = false;
  auto retried = Post("/v1/logs/ingest", *frame, "application/x-kelola-frame");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_NE(retried.body.find("\"accepted\":5"), std::string::npos) << retried.body;
  ASSERT_EQ(publisher_.published.size(), 1u);
  EXPECT_EQ(publisher_.published[0].first, 5u);
  EXPECT_EQ(Stored(), 5u);
}

TEST_F(LogIngestSharingTest, ALokiPushThatCannotBePublishedIsRefused) {
  const std::string body =
      R"({"streams":[{"stream":{"job":"a"},"values":[["1700000000000000000","one"],["1700000000000000001","two"]]}]})";
  publisher_.fail = true;
  EXPECT_EQ(Post("/loki/api/v1/push", body, "application/json").status, 503);
  publisher_.fail = false;
  EXPECT_EQ(Post("/loki/api/v1/push", body, "application/json").status, 204);
  ASSERT_EQ(publisher_.published.size(), 1u);
  EXPECT_EQ(publisher_.published[0].first, 2u);
  EXPECT_EQ(Stored(), 2u);
}

TEST_F(LogIngestSharingTest, ARefusedBulkBatchLeavesNothing) {
  const std::string body = "{\"index\":{\"_index\":\"app\",\"_id\":\"a1\"}}\n{\"message\":\"one\"}\n";
  publisher_.fail = true;
  auto refused = Post("/_bulk", body, "application/x-ndjson");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(Stored(), 0u);
  publisher_.fail = false;
  auto stored = Post("/_bulk", body, "application/x-ndjson");
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(Stored(), 1u);
  ASSERT_EQ(publisher_.published.size(), 1u);
  EXPECT_EQ(publisher_.published[0].first, 1u);
}

}  // namespace
}  // namespace kelola
