// LokiSink against FakeLokiServer (tests/fakes/loki_server.h says why a fake).
#include "integrations/loki/loki_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "tests/fakes/loki_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `n` numbered lines from two files of two services; several share a millisecond.
std::vector<StoredRecord> NumberedRecords(int n, int64_t base_ms, int first = 0) {
  std::vector<StoredRecord> out;
  for (int i = first; i < first + n; ++i) {
    StoredRecord r;
    r.id = static_cast<uint64_t>(i + 1);
    r.agent = "web-1";
    r.labels = {{"host", "web-1"}, {"service", i % 2 ? "api" : "worker"}, {"k8s.ns", "prod"}};
    r.record.stream_id = i % 2 ? "00000000000000a1" : "00000000000000b2";
    r.record.path = i % 2 ? "/var/log/api.log" : "/var/log/worker.log";
    r.record.offset = static_cast<uint64_t>(i) * 20;
    r.record.end_offset = r.record.offset + 20;
    r.record.time_ms = base_ms + i / 10;  // ten lines per millisecond
    r.record.text = "line " + std::to_string(i);
    out.push_back(r);
  }
  return out;
}

// Line number -> how many times the fake stored it.
std::map<int, int> Arrivals(const FakeLokiServer& loki) {
  std::map<int, int> seen;
  for (const auto& e : loki.Entries()) seen[std::stoi(e.line.substr(5))]++;
  return seen;
}

class LokiSinkTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto f = FakeLokiServer::Start();
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    loki_ = std::move(*f);
    options_.url = loki_->push_url();
    options_.encoding = GetParam();
    options_.labels = {"host", "service", "k8s.ns"};
    options_.static_labels = {{"env", "test"}};
  }
  std::unique_ptr<LokiSink> Sink() {
    auto s = LokiSink::Create(options_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::unique_ptr<FakeLokiServer> loki_;
  LokiSinkOptions options_;
};

TEST_P(LokiSinkTest, NumberedLinesArriveExactlyOnce) {
  auto sink = Sink();
  int64_t base = NowMs() - 60'000;
  constexpr int kLines = 1000;
  for (int first = 0; first < kLines; first += 250) {
    auto d = sink->Deliver(NumberedRecords(250, base, first));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->sent, 250u);
    EXPECT_TRUE(d->dead_letters.empty());
  }
  auto seen = Arrivals(*loki_);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kLines));
  for (const auto& [n, count] : seen) EXPECT_EQ(count, 1) << "line " << n;
  // Labels from config, sanitised; two streams (one per service).
  std::set<std::string> streams;
  for (const auto& e : loki_->Entries()) streams.insert(e.labels);
  EXPECT_EQ(streams, (std::set<std::string>{R"({env="test", host="web-1", k8s_ns="prod", service="api"})",
                                            R"({env="test", host="web-1", k8s_ns="prod", service="worker"})"}));
  auto reqs = loki_->Requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].content_type, GetParam() == "json" ? "application/json" : "application/x-protobuf");
}

TEST_P(LokiSinkTest, TooManyRequestsThenSuccessDeliversOnce) {
  auto sink = Sink();
  auto records = NumberedRecords(100, NowMs() - 1000);
  loki_->FailNext(1, 429, "Ingestion rate limit exceeded for user fake");
  auto first = sink->Deliver(records);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(first.status().message().find("429: Ingestion rate limit exceeded"), std::string::npos);
  EXPECT_TRUE(loki_->Entries().empty());
  auto again = sink->Deliver(records);  // what the forwarder does
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->sent, 100u);
  auto seen = Arrivals(*loki_);
  ASSERT_EQ(seen.size(), 100u);
  for (const auto& [n, count] : seen) EXPECT_EQ(count, 1) << "line " << n;
}

TEST_P(LokiSinkTest, RetryAfterALostAnswerIsDeduplicatedByLoki) {
  auto sink = Sink();
  auto records = NumberedRecords(100, NowMs() - 1000);
  loki_->FailNext(1, 502, "bad gateway", /*store_first=*/true);
  auto first = sink->Deliver(records);
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(sink->Deliver(records).ok());
  auto seen = Arrivals(*loki_);
  ASSERT_EQ(seen.size(), 100u);
  for (const auto& [n, count] : seen) EXPECT_EQ(count, 1) << "line " << n;
  EXPECT_EQ(loki_->duplicates_ignored(), 100u);
}

TEST_P(LokiSinkTest, BadRequestDeadLettersExactlyTheRefusedRecords) {
  auto sink = Sink();
  auto records = NumberedRecords(10, NowMs() - 1000);
  records[3].record.time_ms = NowMs() - 30LL * 24 * 3600 * 1000;  // older than Loki's 7 days
  auto d = sink->Deliver(records);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->sent, 9u);
  ASSERT_EQ(d->dead_letters.size(), 1u);
  EXPECT_EQ(d->dead_letters[0].record_id, records[3].id);
  EXPECT_EQ(d->dead_letters[0].http_status, 400);
  EXPECT_NE(d->dead_letters[0].reason.find("timestamp too old"), std::string::npos) << d->dead_letters[0].reason;
  auto seen = Arrivals(*loki_);
  EXPECT_EQ(seen.size(), 9u);
  EXPECT_EQ(seen.count(3), 0u);
  for (const auto& [n, count] : seen) EXPECT_EQ(count, 1) << "line " << n;
}

TEST_P(LokiSinkTest, EverythingRefusedCostsBoundedRequests) {
  auto sink = Sink();
  auto records = NumberedRecords(1000, NowMs() - 30LL * 24 * 3600 * 1000);
  auto d = sink->Deliver(records);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->sent, 0u);
  EXPECT_EQ(d->dead_letters.size(), 1000u);
  EXPECT_LE(loki_->Requests().size(), 65u);
  std::set<uint64_t> ids;
  for (const auto& dl : d->dead_letters) ids.insert(dl.record_id);
  EXPECT_EQ(ids.size(), 1000u);
}

TEST_P(LokiSinkTest, TenantAndCredentialsGoInHeadersOnly) {
  options_.tenant = "team-a";
  options_.username = "loki-user";
  options_.password = "s3cret-pass";
  auto sink = Sink();
  ASSERT_TRUE(sink->Deliver(NumberedRecords(3, NowMs())).ok());
  auto reqs = loki_->Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].tenant_header, "team-a");
  EXPECT_EQ(reqs[0].authorization, "Basic bG9raS11c2VyOnMzY3JldC1wYXNz");
  EXPECT_EQ(loki_->Entries()[0].tenant, "team-a");
  // An error never echoes the credentials.
  loki_->FailNext(1, 401, "unauthorized");
  auto denied = sink->Deliver(NumberedRecords(3, NowMs()));
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().message().find("s3cret"), std::string::npos);
}

TEST_P(LokiSinkTest, TooLargeIsSplitUntilItFits) {
  auto sink = Sink();
  loki_->FailNext(1, 413, "request entity too large");
  auto d = sink->Deliver(NumberedRecords(40, NowMs() - 1000));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->sent, 40u);
  EXPECT_EQ(d->retried, 40u);
  EXPECT_EQ(Arrivals(*loki_).size(), 40u);
  EXPECT_EQ(loki_->Requests().size(), 3u);
}

TEST_P(LokiSinkTest, UnreachableLokiIsUnavailable) {
  options_.url = "http://127.0.0.1:1/loki/api/v1/push";
  auto sink = Sink();
  auto d = sink->Deliver(NumberedRecords(1, NowMs()));
  EXPECT_TRUE(d.status().code() == StatusCode::kUnavailable || d.status().code() == StatusCode::kDeadlineExceeded)
      << d.status().ToString();
}

TEST(LokiSinkTls, VerifiesTheCertificateAndTrustsTheGivenCa) {
  auto dir = harness::TempDir::Create("kelola-loki-tls");
  ASSERT_TRUE(dir.ok());
  std::string cert = (*dir)->File("cert.pem"), key = (*dir)->File("key.pem");
  auto made = harness::RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                   "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                                   "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
  ASSERT_TRUE(made.ok() && made->exit_code == 0) << (made.ok() ? made->err : made.status().ToString());
  FakeLokiOptions fo;
  fo.tls_cert_file = cert;
  fo.tls_key_file = key;
  auto loki = FakeLokiServer::Start(fo);
  ASSERT_TRUE(loki.ok()) << loki.status().ToString();
  LokiSinkOptions o;
  o.url = (*loki)->push_url();
  o.bearer_token = "secret-token";
  auto untrusted = LokiSink::Create(o);
  ASSERT_TRUE(untrusted.ok());
  auto refused = (*untrusted)->Deliver(NumberedRecords(5, NowMs()));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("certificate"), std::string::npos) << refused.status().ToString();
  EXPECT_TRUE((*loki)->Entries().empty());
  o.ca_file = cert;
  auto trusted = LokiSink::Create(o);
  ASSERT_TRUE(trusted.ok());
  auto d = (*trusted)->Deliver(NumberedRecords(5, NowMs()));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ((*loki)->Entries().size(), 5u);
  EXPECT_EQ((*loki)->Requests().back().authorization, "Bearer secret-token");
}

INSTANTIATE_TEST_SUITE_P(Encodings, LokiSinkTest, ::testing::Values("protobuf", "json"));

TEST(LokiSinkMapping, TimestampsAreDeterministicAndDistinctWithinAMillisecond) {
  auto records = NumberedRecords(20, 1'700'000'000'000);
  std::set<int64_t> seen;
  for (const auto& r : records) seen.insert(LokiTimestampNanos(r.record));
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(LokiTimestampNanos(records[3].record), 1'700'000'000'000'000'060);
  LogRecord far;
  far.time_ms = INT64_MAX;
  EXPECT_GT(LokiTimestampNanos(far), 9'000'000'000'000'000'000);  // saturated, not overflowed
  LokiSinkOptions o;
  o.labels = {"file", "agent"};
  o.structured_metadata = {"offset", "service"};
  auto push = BuildLokiPush(o, records);
  ASSERT_EQ(push.streams.size(), 2u);
  EXPECT_EQ(push.streams[0].labels, (LokiLabels{{"agent", "web-1"}, {"file", "/var/log/api.log"}}));
  const auto& e = push.streams[0].entries[0];
  EXPECT_EQ(e.line, "line 1");
  EXPECT_EQ(e.structured_metadata,
            (std::vector<std::pair<std::string, std::string>>{{"offset", "20"}, {"service", "api"}}));
  for (const auto& s : push.streams) {
    for (size_t i = 1; i < s.entries.size(); ++i) EXPECT_LT(s.entries[i - 1].timestamp_ns, s.entries[i].timestamp_ns);
  }
  o.labels = {"nothing"};
  EXPECT_EQ(BuildLokiPush(o, records).streams[0].labels, (LokiLabels{{"job", "kelola"}}));
}

TEST(LokiSinkOptionsTest, ValidatesAndReadsConfig) {
  LokiSinkOptions o;
  EXPECT_FALSE(ValidateLokiSinkOptions(o).ok());
  o.url = "http://loki:3100/loki/api/v1/push";
  EXPECT_TRUE(ValidateLokiSinkOptions(o).ok());
  o.bearer_token = "t";
  o.username = "u";
  o.password = "p";
  EXPECT_FALSE(ValidateLokiSinkOptions(o).ok());

  ConfigSchema schema;
  AddLokiSinkConfigKeys(schema, "logs.sinks.loki");
  auto config = LoadConfigFromString(schema, R"(
logs:
  sinks:
    loki:
      url: https://loki.example:3100/loki/api/v1/push
      encoding: json
      static_labels: [env=prod, cluster=eu1]
      password: hunter2
      username: kelola
)",
                                     "config.yaml", {}, {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto opts = LokiSinkOptionsFromConfig(*config, "logs.sinks.loki");
  ASSERT_TRUE(opts.ok()) << opts.status().ToString();
  EXPECT_EQ(opts->encoding, "json");
  EXPECT_EQ(opts->static_labels, (std::map<std::string, std::string>{{"cluster", "eu1"}, {"env", "prod"}}));
  EXPECT_EQ(opts->labels, (std::vector<std::string>{"agent", "host", "service"}));
  EXPECT_EQ(config->Dump().find("hunter2"), std::string::npos);
  auto wrong = LoadConfigFromString(schema, "logs: {sinks: {loki: {encoding: xml}}}", "c.yaml", {}, {});
  EXPECT_FALSE(wrong.ok());
}

}  // namespace
}  // namespace kelola
