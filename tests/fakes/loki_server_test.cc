// The fake's own behaviour, checked against what Loki's docs say it does:
// tests that use the fake are only as good as its faithfulness.
#include "tests/fakes/loki_server.h"

#include <gtest/gtest.h>

#include <chrono>

#include "integrations/loki/loki_compression.h"
#include "net/http_client.h"

namespace kelola {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class FakeLokiTest : public ::testing::Test {
 protected:
  void Start(FakeLokiOptions o = {}) {
    auto f = FakeLokiServer::Start(o);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    loki_ = std::move(*f);
  }
  ClientResponse Push(const LokiPushRequest& p, bool json = false, const std::string& encoding = "") {
    ClientRequest req{.method = "POST", .url = loki_->push_url()};
    req.headers["Content-Type"] = json ? "application/json" : "application/x-protobuf";
    if (!encoding.empty()) req.headers["Content-Encoding"] = encoding;
    req.body = json ? EncodeLokiPushJson(p) : SnappyCompress(EncodeLokiPushProto(p));
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }
  static LokiPushRequest One(LokiLabels labels, std::vector<LokiEntry> entries) {
    LokiPushRequest p;
    p.streams.push_back(LokiStream{std::move(labels), std::move(entries)});
    return p;
  }
  std::unique_ptr<FakeLokiServer> loki_;
  HttpClient client_{HttpClientOptions{.max_retries = 0}};
};

TEST_F(FakeLokiTest, StoresBothEncodingsAndIgnoresIdenticalEntries) {
  Start();
  int64_t now = NowNs();
  auto p = One({{"job", "a"}}, {{now, "x", {}}, {now, "y", {}}});
  EXPECT_EQ(Push(p).status, 204);
  EXPECT_EQ(Push(p, /*json=*/true).status, 204);
  EXPECT_EQ(loki_->Entries().size(), 2u);
  EXPECT_EQ(loki_->duplicates_ignored(), 2u);
  EXPECT_EQ(loki_->Entries()[0].labels, "{job=\"a\"}");
}

TEST_F(FakeLokiTest, RefusesLikeLokisValidation) {
  FakeLokiOptions o;
  o.max_label_names = 2;
  Start(o);
  int64_t now = NowNs();
  auto none = Push(One({}, {{now, "x", {}}}));
  EXPECT_EQ(none.status, 400);
  EXPECT_NE(none.body.find("at least one label pair is required per stream"), std::string::npos);
  auto many = Push(One({{"a", "1"}, {"b", "2"}, {"c", "3"}}, {{now, "x", {}}}));
  EXPECT_EQ(many.status, 400);
  EXPECT_NE(many.body.find("has 3 label names; limit 2"), std::string::npos) << many.body;
  auto future = Push(One({{"a", "1"}}, {{now + 3'600'000'000'000, "x", {}}}));
  EXPECT_EQ(future.status, 400);
  EXPECT_NE(future.body.find("timestamp too new"), std::string::npos);
  // Partial acceptance: the valid entry of a refused request is stored.
  auto mixed = Push(One({{"a", "1"}}, {{now - 30LL * 24 * 3600 * 1'000'000'000, "old", {}}, {now, "ok", {}}}));
  EXPECT_EQ(mixed.status, 400);
  EXPECT_NE(mixed.body.find("timestamp too old"), std::string::npos);
  EXPECT_NE(mixed.body.find("total ignored: 1 out of 2"), std::string::npos) << mixed.body;
  ASSERT_EQ(loki_->Entries().size(), 1u);
  EXPECT_EQ(loki_->Entries()[0].line, "ok");
  // Behind the newest entry by more than the window: "entry too far behind".
  auto behind = Push(One({{"a", "1"}}, {{now - 2LL * 3600 * 1'000'000'000, "late", {}}}));
  EXPECT_EQ(behind.status, 400);
  EXPECT_NE(behind.body.find("entry too far behind"), std::string::npos) << behind.body;
  // Within the window, out of order is fine (Loki >= 2.4).
  EXPECT_EQ(Push(One({{"a", "1"}}, {{now - 1'000'000'000, "a bit late", {}}})).status, 204);
}

TEST_F(FakeLokiTest, OrderedWritesRefuseOutOfOrder) {
  FakeLokiOptions o;
  o.ordered_writes = true;
  Start(o);
  int64_t now = NowNs();
  EXPECT_EQ(Push(One({{"a", "1"}}, {{now, "x", {}}})).status, 204);
  auto r = Push(One({{"a", "1"}}, {{now - 1, "y", {}}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("entry out of order"), std::string::npos);
}

TEST_F(FakeLokiTest, InjectedFailuresAuthAndEncodings) {
  FakeLokiOptions o;
  o.expected_authorization = "Bearer t";
  Start(o);
  int64_t now = NowNs();
  EXPECT_EQ(Push(One({{"a", "1"}}, {{now, "x", {}}})).status, 401);
  o.expected_authorization.clear();
  Start(o);
  loki_->FailNext(2, 503, "ingester unavailable");
  auto p = One({{"a", "1"}}, {{now, "x", {}}});
  EXPECT_EQ(Push(p).status, 503);
  EXPECT_EQ(Push(p).status, 503);
  EXPECT_EQ(Push(p).status, 204);
  EXPECT_EQ(Push(p, true, "br").status, 415);
  EXPECT_EQ(Push(p, true, "gzip").status, 400);  // says gzip but is not
  EXPECT_EQ(loki_->Entries().size(), 1u);
  EXPECT_EQ(loki_->Requests().size(), 5u);
}

}  // namespace
}  // namespace kelola
