// PrometheusClient and PrometheusSource against a real Prometheus
// (tests/harness/prometheus_server.h); skipped when it is not installed.
#include "integrations/prometheus/prometheus_client.h"

#include <gtest/gtest.h>

#include "tests/harness/free_port.h"
#include "tests/harness/prometheus_server.h"

namespace kelola::prometheus {
namespace {

class PrometheusClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto server = harness::PrometheusServer::Start({});
    if (server.status().code() == StatusCode::kFailedPrecondition) {
      skip_ = server.status().message();
      return;
    }
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }
  static PrometheusClientOptions Options() { return {.url = server_->url() + "/"}; }

  static inline harness::PrometheusServer* server_ = nullptr;
  static inline std::string skip_;
};

TEST_F(PrometheusClientTest, InstantVectorAndScalar) {
  PrometheusClient client(Options());
  auto v = client.Query("vector(1.5)", WallTime(std::chrono::seconds(1'700'000'000)));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->result_type, "vector");
  ASSERT_EQ(v->samples.size(), 1u);
  EXPECT_EQ(v->samples[0].value, 1.5);
  EXPECT_EQ(v->samples[0].time, 1'700'000'000);
  // Characters that need escaping in the query string.
  auto s = client.Query("scalar(vector(2)) + 1 / 4");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->result_type, "scalar");
  EXPECT_EQ(s->samples.at(0).value, 2.25);
}

TEST_F(PrometheusClientTest, BadQueryIsInvalidArgumentWithPrometheusWords) {
  PrometheusClient client(Options());
  auto r = client.Query("avg(");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("bad_data"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("parse error"), std::string::npos) << r.status().message();
}

TEST_F(PrometheusClientTest, SourceNeedsExactlyOneNumber) {
  PrometheusSource source(Options());
  auto one = source.Instant({.promql = "avg(vector(3) or vector(5))"});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, 3);
  EXPECT_EQ(source.Instant({.promql = "up{job=\"nothing\"}"}).status().code(), StatusCode::kNotFound);
  auto two =
      source.Instant({.promql = R"(label_replace(vector(1),"a","x","","") or label_replace(vector(2),"a","y","",""))"});
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(two.status().message().find("returned 2 series"), std::string::npos);
  EXPECT_EQ(source.Instant({.promql = "vector(0) / 0"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source.Instant({.metric = "cpu_busy_percent"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source.kind(), "prometheus");
}

TEST(PrometheusClientDown, UnreachableIsUnavailable) {
  auto port = harness::FreePort();
  ASSERT_TRUE(port.ok());
  PrometheusClient client({.url = "http://127.0.0.1:" + std::to_string(*port), .timeout = std::chrono::seconds(2)});
  auto r = client.Query("up");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
}

}  // namespace
}  // namespace kelola::prometheus
