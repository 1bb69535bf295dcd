// LokiSink against kelola's own POST /loki/api/v1/push: a real `kelola
// server` on loopback, the sink's records queried back through
// GET /v1/logs/query. No Loki server can run here (tests/fakes/loki_server.h
// says why), so kelola's two Loki halves are tested against each other.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "integrations/loki/loki_sink.h"
#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class LokiPushIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-loki-it");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    auto server = harness::KelolaServer::Start({.data_dir = dir_->File("data"), .log_path = dir_->File("server.log")});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    url_ = server_->url();
    admin_ = server_->AdminToken();
    auto r = server_->Cli({"token", "create", "--name", "loki-shipper", "--role", "operator"});
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().ToString());
    shipper_ = r->out;
    while (!shipper_.empty() && shipper_.back() == '\n') shipper_.pop_back();
  }

  // Numbered records as the forwarder would read them from another store.
  static std::vector<StoredRecord> Numbered(int first, int n, int64_t base_ms) {
    std::vector<StoredRecord> out;
    for (int i = first; i < first + n; ++i) {
      StoredRecord r;
      r.id = static_cast<uint64_t>(i + 1);
      r.agent = "web-" + std::to_string(i % 3);
      r.labels = {{"service", "checkout"}};
      r.record.stream_id = "00000000000000c" + std::to_string(i % 3);
      r.record.path = "/var/log/checkout.log";
      r.record.offset = static_cast<uint64_t>(i) * 16;
      r.record.end_offset = r.record.offset + 16;
      r.record.time_ms = base_ms + i / 7;
      r.record.text = "n=" + std::to_string(i) + " order placed";
      out.push_back(r);
    }
    return out;
  }

  // Number -> times stored, for records carrying label env=`env`.
  std::map<int, int> StoredNumbers(const std::string& env) {
    std::map<int, int> seen;
    uint64_t after = 0;
    for (;;) {
      auto reply = harness::HttpCall(
          {.url = url_ + "/v1/logs/query?limit=10000&selector=env=" + env + "&after=" + std::to_string(after),
           .headers = {"Authorization: Bearer " + admin_}});
      if (!reply.ok() || reply->status != 200) {
        ADD_FAILURE() << (reply.ok() ? reply->body : reply.status().ToString());
        return seen;
      }
      auto doc = json::parse(reply->body);
      for (const auto& item : doc["items"]) {
        EXPECT_EQ(item["labels"]["service"], "checkout");
        EXPECT_EQ(item["agent"], "loki-shipper");  // the pushing token's name
        seen[std::atoi(item["text"].get<std::string>().c_str() + 2)]++;
      }
      after = doc["next"];
      if (!doc["more"].get<bool>()) return seen;
    }
  }

  std::unique_ptr<LokiSink> Sink(const std::string& encoding, const std::string& env, bool basic_auth) {
    LokiSinkOptions o;
    o.url = url_ + "/loki/api/v1/push";
    o.encoding = encoding;
    o.labels = {"agent", "service"};
    o.static_labels = {{"env", env}};
    if (basic_auth) {
      o.username = "promtail";
      o.password = shipper_;
    } else {
      o.bearer_token = shipper_;
    }
    auto s = LokiSink::Create(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  void ShipAndCheck(const std::string& encoding, const std::string& env, bool basic_auth) {
    auto sink = Sink(encoding, env, basic_auth);
    ASSERT_NE(sink, nullptr);
    constexpr int kLines = 3000;
    int64_t base = NowMs() - 5000;
    for (int first = 0; first < kLines; first += 500) {
      auto batch = Numbered(first, 500, base);
      auto d = sink->Deliver(batch);
      ASSERT_TRUE(d.ok()) << d.status().ToString() << "\n" << harness::TailOfFile(dir_->File("server.log"));
      EXPECT_EQ(d->sent, 500u);
      EXPECT_TRUE(d->dead_letters.empty());
      // The forwarder re-offers a batch whose acknowledgement it did not
      // see: kelola must not store it twice.
      if (first == 1000) {
        ASSERT_TRUE(sink->Deliver(batch).ok());
      }
    }
    auto seen = StoredNumbers(env);
    EXPECT_EQ(seen.size(), static_cast<size_t>(kLines));
    for (int i = 0; i < kLines; ++i) EXPECT_EQ(seen[i], 1) << "line " << i;
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::KelolaServer> server_;
  std::string url_, admin_, shipper_;
};

TEST_F(LokiPushIntegrationTest, ProtobufSinkToKelolaArrivesExactlyOnce) { ShipAndCheck("protobuf", "proto", false); }

TEST_F(LokiPushIntegrationTest, JsonSinkWithBasicAuthArrivesExactlyOnce) { ShipAndCheck("json", "json", true); }

TEST_F(LokiPushIntegrationTest, ViewerTokenIsRefusedAndNothingStored) {
  auto r = server_->Cli({"token", "create", "--name", "dash", "--role", "viewer"});
  ASSERT_TRUE(r.ok() && r->exit_code == 0);
  std::string viewer = r->out;
  while (!viewer.empty() && viewer.back() == '\n') viewer.pop_back();
  LokiSinkOptions o;
  o.url = url_ + "/loki/api/v1/push";
  o.bearer_token = viewer;
  o.static_labels = {{"env", "denied"}};
  auto sink = LokiSink::Create(o);
  ASSERT_TRUE(sink.ok());
  auto d = (*sink)->Deliver(Numbered(0, 10, NowMs()));
  EXPECT_EQ(d.status().code(), StatusCode::kPermissionDenied) << d.status().ToString();
  EXPECT_TRUE(StoredNumbers("denied").empty());
}

// Two kelola servers: an edge one whose `logs.sinks` has a Loki sink
// pointing at the central one's push endpoint. Lines pushed into the edge
// reach the central store exactly once, through the forwarder.
TEST_F(LokiPushIntegrationTest, ServerForwardsToAnotherServerThroughALokiSink) {
  std::string config = "logs:\n  sinks:\n    - name: central\n      type: loki\n      url: " + url_ +
                       "/loki/api/v1/push\n      bearer_token: " + shipper_ +
                       "\n      labels: [service]\n      static_labels: [env=forwarded]\n";
  auto edge = harness::KelolaServer::Start(
      {.data_dir = dir_->File("edge"), .log_path = dir_->File("edge.log"), .config_yaml = config});
  ASSERT_TRUE(edge.ok()) << edge.status().ToString();
  std::string edge_url = (*edge)->url();
  std::string edge_admin = (*edge)->AdminToken();

  constexpr int kLines = 1000;
  int64_t base_ns = (NowMs() - 5000) * 1'000'000;
  for (int first = 0; first < kLines; first += 250) {
    json values = json::array();
    for (int i = first; i < first + 250; ++i) {
      values.push_back({std::to_string(base_ns + i), "n=" + std::to_string(i) + " order placed"});
    }
    json body = {{"streams", json::array({{{"stream", {{"service", "checkout"}}}, {"values", values}}})}};
    auto reply =
        harness::HttpCall({.method = "POST",
                           .url = edge_url + "/loki/api/v1/push",
                           .headers = {"Authorization: Bearer " + edge_admin, "Content-Type: application/json"},
                           .body = body.dump()});
    ASSERT_TRUE(reply.ok() && reply->status == 204) << (reply.ok() ? reply->body : reply.status().ToString());
  }
  std::map<int, int> seen;
  for (int i = 0; i < 300 && seen.size() < kLines; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    seen = StoredNumbers("forwarded");
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kLines)) << harness::TailOfFile(dir_->File("edge.log"));
  for (const auto& [number, times] : seen) EXPECT_EQ(times, 1) << "line " << number;
  auto sinks =
      harness::HttpCall({.url = edge_url + "/v1/logs/sinks", .headers = {"Authorization: Bearer " + edge_admin}});
  ASSERT_TRUE(sinks.ok() && sinks->status == 200);
  EXPECT_NE(sinks->body.find("loki"), std::string::npos) << sinks->body;
  (*edge)->Stop();
}

}  // namespace
}  // namespace kelola
