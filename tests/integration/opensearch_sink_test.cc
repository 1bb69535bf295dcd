// The Elasticsearch sink against a real OpenSearch 2.19 node (tests/harness/
// opensearch_node.h): numbered lines go LogStore -> SinkForwarder ->
// ElasticsearchSink -> OpenSearch, and every number must be there exactly
// once. Per-item 429s come from tests/fakes/bulk_rejecting_proxy.h (its
// header says why they cannot be provoked on the real node on demand); the
// 400s are real mapping conflicts from the node itself.
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integrations/elasticsearch/elasticsearch_sink.h"
#include "logs/sink_forwarder.h"
#include "tests/fakes/bulk_rejecting_proxy.h"
#include "tests/harness/http_call.h"
#include "tests/harness/opensearch_node.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using harness::HttpCall;
using harness::HttpRequestSpec;

constexpr int64_t kDay = 1'795'780'800'000;  // 2026-11-27T12:00:00Z

class OpenSearchSinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = harness::OpenSearchNode::Start();
    if (!started.ok()) {
      skip_reason_ = new std::string(started.status().ToString());
      return;
    }
    node_ = started->release();
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }
  void SetUp() override {
    if (node_ == nullptr) GTEST_SKIP() << "no OpenSearch node: " << *skip_reason_;
    auto d = harness::TempDir::Create("kelola-es-sink");
    ASSERT_TRUE(d.ok());
    dir_ = std::move(*d);
    LogStoreOptions o;
    o.dir = dir_->File("logs");
    o.fsync = false;
    auto s = LogStore::Open(o, SystemClock());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  static json Call(const std::string& method, const std::string& path, const std::string& body = "") {
    HttpRequestSpec r;
    r.method = method;
    r.url = node_->Url() + path;
    r.body = body;
    if (!body.empty()) r.headers = {"Content-Type: application/json"};
    auto reply = HttpCall(r);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return json();
    EXPECT_LT(reply->status, 300) << method << " " << path << ": " << reply->body;
    return json::parse(reply->body, nullptr, false);
  }

  // Message "N" for a good line; the index maps `message` as an integer, so
  // "bad-N" is a real 400 mapper_parsing_exception from the node.
  void AppendNumbered(int first, int count, const std::set<int>& bad, const std::string& stream) {
    LogBatch b;
    b.agent = "web-1";
    b.labels = {{"service", "api"}};
    for (int i = first; i < first + count; ++i) {
      LogRecord r;
      r.stream_id = stream;
      r.path = "/var/log/app.log";
      r.offset = static_cast<uint64_t>(i) * 10;
      r.end_offset = r.offset + 10;
      r.time_ms = kDay + i;
      r.text = bad.count(i) ? "bad-" + std::to_string(i) : std::to_string(i);
      b.records.push_back(r);
    }
    auto res = store_->Append(b);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    ASSERT_EQ(res->accepted, static_cast<uint64_t>(count));
  }

  // Every message in `index`, with how often each occurs.
  static std::map<int64_t, int> Messages(const std::string& index) {
    Call("POST", "/" + index + "/_refresh");
    std::map<int64_t, int> out;
    json j = Call("POST", "/" + index + "/_search", R"({"size":10000,"_source":["message"],"query":{"match_all":{}}})");
    // _source is the document as sent: the number is a JSON string.
    for (const auto& hit : j["hits"]["hits"]) ++out[std::stoll(hit["_source"]["message"].get<std::string>())];
    return out;
  }

  static void CreateIndex(const std::string& index) {
    Call("PUT", "/" + index,
         R"({"settings":{"number_of_shards":1,"number_of_replicas":0},)"
         R"("mappings":{"properties":{"message":{"type":"integer"}}}})");
  }

  std::unique_ptr<SinkForwarder> Forwarder(const std::string& url, const std::string& pattern,
                                           SinkForwarderOptions fo) {
    ElasticsearchSinkOptions eo;
    eo.url = url;
    eo.index = pattern;
    ElasticsearchSinkHooks hooks;
    hooks.sleep = [](Duration) {};  // item backoff is unit-tested; here only the outcome counts
    auto sink = MakeElasticsearchSink(eo, hooks);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    fo.name = "opensearch";
    fo.state_dir = dir_->File("sink");
    auto f = SinkForwarder::Create(*store_, std::move(*sink), fo, SystemClock(), &metrics_);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return std::move(*f);
  }

  static harness::OpenSearchNode* node_;
  static std::string* skip_reason_;
  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<LogStore> store_;
  MetricsRegistry registry_;
  SinkMetrics metrics_{registry_};
};

harness::OpenSearchNode* OpenSearchSinkTest::node_ = nullptr;
std::string* OpenSearchSinkTest::skip_reason_ = nullptr;

TEST_F(OpenSearchSinkTest, EveryLineOnce429sRetriedUntilStored400sDeadLetteredCountersExact) {
  const std::string index = "kelola-nolose-2026.11.27";
  CreateIndex(index);
  const int n = 1000;
  std::set<int> bad;
  for (int i = 13; i < n; i += 100) bad.insert(i);  // 10 lines
  AppendNumbered(0, n, bad, "00000000000000a1");

  // Items whose message is a multiple of 7 are refused with 429 twice, then accepted.
  int expect_retries = 0;
  for (int i = 0; i < n; ++i) {
    if (!bad.count(i) && i % 7 == 0) expect_retries += 2;
  }
  auto proxy = fakes::BulkRejectingProxy::Start(node_->Url(), [](const std::string& source, int seen) {
    json doc = json::parse(source, nullptr, false);
    const std::string m = doc.value("message", "");
    return !m.empty() && m.find("bad") == std::string::npos && std::stoi(m) % 7 == 0 && seen < 2;
  });
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();

  SinkForwarderOptions fo;
  fo.batch_records = 200;
  auto f = Forwarder((*proxy)->Url(), "kelola-nolose-%Y.%m.%d", fo);
  int steps = 0;
  while (f->Step().outcome == SinkForwarder::Outcome::kDelivered) ++steps;
  EXPECT_EQ(steps, 5);

  auto messages = Messages(index);
  EXPECT_EQ(messages.size(), static_cast<size_t>(n) - bad.size());
  for (int i = 0; i < n; ++i) {
    if (bad.count(i)) {
      EXPECT_EQ(messages.count(i), 0u) << i;
    } else {
      EXPECT_EQ(messages[i], 1) << "line " << i << " must be stored exactly once";
    }
  }
  EXPECT_EQ(Call("GET", "/" + index + "/_count")["count"], n - static_cast<int>(bad.size()));

  auto st = f->Stats();
  EXPECT_EQ(st.sent, static_cast<uint64_t>(n) - bad.size());
  EXPECT_EQ(st.dead_lettered, bad.size());
  EXPECT_EQ(st.item_retries, static_cast<uint64_t>(expect_retries));
  EXPECT_EQ(st.batch_retries, 0u);
  EXPECT_EQ(st.lag, 0u);
  EXPECT_EQ((*proxy)->injected(), expect_retries);

  auto letters = f->dead_letters().Read(0, 100);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), bad.size());
  for (const auto& l : *letters) {
    EXPECT_EQ(l.http_status, 400);
    EXPECT_NE(l.reason.find("mapper_parsing_exception"), std::string::npos) << l.reason;
    EXPECT_TRUE(bad.count(std::stoi(l.text.substr(4)))) << l.text;
  }
  std::string text = registry_.RenderText();
  EXPECT_NE(text.find(R"(kelola_log_sink_records_total{sink="opensearch",outcome="sent"} 990)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(kelola_log_sink_records_total{sink="opensearch",outcome="dead_lettered"} 10)"),
            std::string::npos);
  EXPECT_NE(text.find("kelola_log_sink_item_retries_total{sink=\"opensearch\"} " + std::to_string(expect_retries)),
            std::string::npos);

  // Offering everything again (a crash before the cursor was saved) adds nothing.
  ASSERT_TRUE(WriteSinkCursor(dir_->File("sink/cursor"), 0).ok());
  auto replay = Forwarder(node_->Url(), "kelola-nolose-%Y.%m.%d", fo);
  while (replay->Step().outcome == SinkForwarder::Outcome::kDelivered) {
  }
  EXPECT_EQ(Messages(index).size(), static_cast<size_t>(n) - bad.size());
  EXPECT_EQ(Call("GET", "/" + index + "/_count")["count"], n - static_cast<int>(bad.size()));
  EXPECT_EQ(replay->dead_letters().count(), bad.size()) << "dead letters are not written twice";
}

TEST_F(OpenSearchSinkTest, ConcurrencyOpensUpWhileTheNodeTakesEverythingAndHalvesOn429) {
  const std::string index = "kelola-aimd-2026.11.27";
  CreateIndex(index);
  AppendNumbered(0, 3000, {}, "00000000000000d1");
  // Three deliveries of 1,000: the limit starts at 1 and grows by one per clean
  // round (1 + 2 + 3 requests); then 429s on one round halve it.
  std::atomic<bool> reject{false};
  auto proxy = fakes::BulkRejectingProxy::Start(
      node_->Url(), [&reject](const std::string&, int seen) { return reject.load() && seen == 0; });
  ASSERT_TRUE(proxy.ok());
  SinkForwarderOptions fo;
  fo.batch_records = 1000;
  auto f = Forwarder((*proxy)->Url(), "kelola-aimd-%Y.%m.%d", fo);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(f->Step().outcome, SinkForwarder::Outcome::kDelivered);
  EXPECT_EQ((*proxy)->bulk_requests(), 1 + 2 + 3);
  AppendNumbered(3000, 1000, {}, "00000000000000d1");
  reject = true;  // every item once: 4 requests answered all-429, then the limit is 2
  ASSERT_EQ(f->Step().outcome, SinkForwarder::Outcome::kDelivered);
  EXPECT_EQ((*proxy)->bulk_requests(), 6 + 4 + 2);
  auto messages = Messages(index);
  EXPECT_EQ(messages.size(), 4000u);
  for (int i = 0; i < 4000; ++i) EXPECT_EQ(messages[i], 1) << i;
  EXPECT_EQ(f->Stats().item_retries, 1000u);
}

TEST_F(OpenSearchSinkTest, NodeStoppedForAWhileThenBackAllLinesArrive) {
  const std::string index = "kelola-outage-2026.11.27";
  CreateIndex(index);
  SinkForwarderOptions fo;
  fo.batch_records = 100;
  fo.initial_backoff = std::chrono::milliseconds(50);
  fo.max_backoff = std::chrono::milliseconds(500);
  fo.idle_wait = std::chrono::milliseconds(100);
  auto f = Forwarder(node_->Url(), "kelola-outage-%Y.%m.%d", fo);
  f->Start();
  auto wait_for = [&](auto cond, int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!cond() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
  };
  AppendNumbered(0, 300, {}, "00000000000000b1");
  ASSERT_TRUE(wait_for([&] { return f->Stats().cursor == 300; }, 60)) << f->Stats().last_error;

  ASSERT_TRUE(node_->Stop().ok());
  AppendNumbered(300, 300, {}, "00000000000000b1");
  ASSERT_TRUE(wait_for([&] { return f->Stats().batch_retries >= 3; }, 60));
  EXPECT_EQ(f->Stats().cursor, 300u) << "nothing is skipped while the node is down";
  EXPECT_EQ(f->Stats().lag, 300u);
  AppendNumbered(600, 300, {}, "00000000000000b1");  // more while it is down
  ASSERT_TRUE(node_->Restart().ok());
  ASSERT_TRUE(wait_for([&] { return f->Stats().cursor == 900; }, 120)) << f->Stats().last_error;
  f->Stop();

  auto messages = Messages(index);
  EXPECT_EQ(messages.size(), 900u);
  for (int i = 0; i < 900; ++i) EXPECT_EQ(messages[i], 1) << i;
  auto st = f->Stats();
  EXPECT_EQ(st.sent, 900u);
  EXPECT_EQ(st.dead_lettered, 0u);
  EXPECT_GE(st.batch_retries, 3u);
  EXPECT_NE(st.last_error.find("UNAVAILABLE"), std::string::npos) << st.last_error;
}

// The real node under write pressure: a write thread pool of one with a queue
// of one, and other clients bulk-loading it at the same time, makes the node
// itself answer 429 (whole requests and single items, as timing falls). Every
// line must still arrive exactly once, and nothing may be dead-lettered.
TEST(OpenSearchPressureTest, RealNode429sAreRetriedUntilEveryLineIsStoredOnce) {
  auto node = harness::OpenSearchNode::Start({{"thread_pool.write.size", "1"}, {"thread_pool.write.queue_size", "1"}});
  if (!node.ok()) GTEST_SKIP() << "no OpenSearch node: " << node.status().ToString();
  const std::string url = (*node)->Url();
  auto dir = harness::TempDir::Create("kelola-es-pressure");
  ASSERT_TRUE(dir.ok());
  LogStoreOptions so;
  so.dir = (*dir)->File("logs");
  so.fsync = false;
  auto store = LogStore::Open(so, SystemClock());
  ASSERT_TRUE(store.ok());
  const int n = 3000;
  LogBatch b;
  b.agent = "web-1";
  for (int i = 0; i < n; ++i) {
    LogRecord r;
    r.stream_id = "00000000000000c1";
    r.path = "/var/log/app.log";
    r.offset = static_cast<uint64_t>(i) * 10;
    r.end_offset = r.offset + 10;
    r.time_ms = kDay + i;
    r.text = std::to_string(i);
    b.records.push_back(r);
  }
  ASSERT_TRUE((*store)->Append(b).ok());

  // Competing load on other indices.
  std::atomic<bool> stop{false};
  std::atomic<int> load_429{0};
  std::string load_body;
  for (int i = 0; i < 400; ++i) {
    load_body += R"({"index":{"_index":"load-)" + std::to_string(i % 4) +
                 R"("}})"
                 "\n";
    load_body += R"({"filler":")" + std::string(200, 'x') + "\"}\n";
  }
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&] {
      while (!stop) {
        auto r = HttpCall({.method = "POST",
                           .url = url + "/_bulk",
                           .headers = {"Content-Type: application/x-ndjson"},
                           .body = load_body});
        if (r.ok() && r->body.find("\"status\":429") != std::string::npos) ++load_429;
      }
    });
  }

  ElasticsearchSinkOptions eo;
  eo.url = url;
  eo.index = "kelola-pressure-%Y.%m.%d";
  eo.max_item_attempts = 4;
  eo.initial_backoff = std::chrono::milliseconds(20);
  eo.max_backoff = std::chrono::milliseconds(200);
  auto sink = MakeElasticsearchSink(eo);
  ASSERT_TRUE(sink.ok());
  MetricsRegistry registry;
  SinkMetrics metrics(registry);
  SinkForwarderOptions fo;
  fo.name = "pressure";
  fo.state_dir = (*dir)->File("sink");
  fo.batch_records = 300;
  auto f = SinkForwarder::Create(**store, std::move(*sink), fo, SystemClock(), &metrics);
  ASSERT_TRUE(f.ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = (*f)->Step();
    if (r.outcome == SinkForwarder::Outcome::kIdle) break;
    if (r.outcome == SinkForwarder::Outcome::kFailed) std::this_thread::sleep_for(r.wait);
  }
  stop = true;
  for (auto& t : load) t.join();

  auto st = (*f)->Stats();
  EXPECT_EQ(st.cursor, static_cast<uint64_t>(n)) << st.last_error;
  EXPECT_EQ(st.sent, static_cast<uint64_t>(n));
  EXPECT_EQ(st.dead_lettered, 0u);
  EXPECT_GT(st.item_retries + st.batch_retries, 0u)
      << "the node never pushed back (competing load saw " << load_429 << " responses with 429)";
  std::printf("pressure: item_retries=%llu batch_retries=%llu competing 429 responses=%d\n",
              static_cast<unsigned long long>(st.item_retries), static_cast<unsigned long long>(st.batch_retries),
              load_429.load());

  const std::string index = "kelola-pressure-2026.11.27";
  ASSERT_TRUE(HttpCall({.method = "POST", .url = url + "/" + index + "/_refresh"}).ok());
  auto hits = HttpCall({.method = "POST",
                        .url = url + "/" + index + "/_search",
                        .headers = {"Content-Type: application/json"},
                        .body = R"({"size":10000,"_source":["message"]})"});
  ASSERT_TRUE(hits.ok());
  std::map<int, int> seen;
  const json parsed = json::parse(hits->body);
  for (const auto& h : parsed["hits"]["hits"]) ++seen[std::stoi(h["_source"]["message"].get<std::string>())];
  ASSERT_EQ(seen.size(), static_cast<size_t>(n)) << hits->body.substr(0, 500);
  for (int i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << i;
}

}  // namespace
}  // namespace kelola
