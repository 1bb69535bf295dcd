// `kelola server` as an Elasticsearch `_bulk` endpoint, with the real binary:
// curl-like requests (basic auth with the token as password, gzip, per-item
// errors), a real shipper (rsyslog's omelasticsearch from Debian; Fluent Bit,
// Filebeat and Vector are not packaged in Debian 12), and the server
// forwarding what it stored to a real OpenSearch node through a configured
// `logs.sinks` entry, dead letters included.
#include <signal.h>

#include <filesystem>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "net/gzip.h"
#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/opensearch_node.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

template <typename Fn>
bool WaitFor(Fn cond, int seconds_max) {
  auto deadline = std::chrono::steady_clock::now() + seconds(seconds_max);
  while (!cond() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(50));
  return cond();
}

class EsBulkIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-es-ingest");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    auto port = harness::FreePort();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  void StartServer(const std::string& config_yaml = "") {
    auto server = harness::KelolaServer::Start({.data_dir = dir_->File("data"),
                                                .log_path = dir_->File("server.log"),
                                                .port = port_,
                                                .config_yaml = config_yaml});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    token_ = server_->AdminToken();
  }

  harness::HttpReply Bulk(const std::string& path, const std::string& body, bool gzip, const std::string& auth) {
    harness::HttpRequestSpec r;
    r.method = "POST";
    r.url = url_ + path;
    r.headers = {"Content-Type: application/x-ndjson", "Authorization: " + auth};
    if (gzip) {
      r.body = *GzipBody(body);
      r.headers.push_back("Content-Encoding: gzip");
    } else {
      r.body = body;
    }
    auto reply = harness::HttpCall(r);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : harness::HttpReply{};
  }

  std::string BasicAuth() { return "Basic " + Base64Encode("filebeat:" + token_); }

  json Get(const std::string& path) {
    auto reply = harness::HttpCall({.url = url_ + path, .headers = {"Authorization: Bearer " + token_}});
    EXPECT_TRUE(reply.ok() && reply->status == 200) << path << ": " << (reply.ok() ? reply->body : "");
    return reply.ok() ? json::parse(reply->body, nullptr, false) : json();
  }

  // Stored texts matching `selector` -> how often.
  std::map<std::string, int> StoredTexts(const std::string& selector) {
    std::map<std::string, int> out;
    uint64_t after = 0;
    for (;;) {
      json doc = Get("/v1/logs/query?limit=10000&selector=" + harness::UrlEncode(selector) +
                     "&after=" + std::to_string(after));
      for (const auto& item : doc["items"]) ++out[item["text"].get<std::string>()];
      after = doc["next"];
      if (!doc["more"].get<bool>()) return out;
    }
  }

  std::unique_ptr<harness::TempDir> dir_;
  int port_ = 0;
  std::string url_;
  std::string token_;
  std::unique_ptr<harness::KelolaServer> server_;
};

TEST_F(EsBulkIngestTest, BulkIsStoredWithPerItemStatusesInTheElasticsearchShape) {
  StartServer();
  // Banner: what Filebeat/Vector probe first.
  json banner = Get("/");
  EXPECT_EQ(banner["version"]["number"], "8.11.0");
  EXPECT_EQ(banner["tagline"], "You Know, for Search");

  std::string body;
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    body += R"({"index":{"_index":"app"}})"
            "\n";
    body += R"({"@timestamp":"2026-11-27T10:00:00Z","message":"n=)" + std::to_string(i) +
            R"(","host":{"name":"web-1"}})"
            "\n";
    if (i == 500)
      body += "{\"index\":{\"_index\":\"app\"}}\nnot json\n{\"delete\":{\"_index\":\"app\",\"_id\":\"1\"}}\n";
  }
  auto reply = Bulk("/_bulk", body, /*gzip=*/true, BasicAuth());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Header("x-elastic-product"), "Elasticsearch");
  json r = json::parse(reply.body);
  EXPECT_EQ(r["errors"], true);
  ASSERT_EQ(r["items"].size(), static_cast<size_t>(n + 2));
  EXPECT_EQ(r["items"][0]["index"]["status"], 201);
  EXPECT_EQ(r["items"][0]["index"]["result"], "created");
  EXPECT_EQ(r["items"][501]["index"]["status"], 400);
  EXPECT_EQ(r["items"][501]["index"]["error"]["type"], "mapper_parsing_exception");
  EXPECT_EQ(r["items"][502]["delete"]["status"], 400);
  EXPECT_EQ(r["items"][503]["index"]["status"], 201) << "items after a bad one are still stored";

  // Acknowledged means stored: every number exactly once, right away.
  auto stored = StoredTexts("index=app");
  EXPECT_EQ(stored.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) EXPECT_EQ(stored["n=" + std::to_string(i)], 1) << i;

  // POST /{index}/_bulk with Bearer and no gzip; the URL's index applies.
  auto second = Bulk("/other/_bulk", "{\"create\":{}}\n{\"log\":\"fluent-bit style\"}\n", false, "Bearer " + token_);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(json::parse(second.body)["errors"], false);
  EXPECT_EQ(StoredTexts("index=other").count("fluent-bit style"), 1u);

  // Bad input and bad credentials: ES-shaped errors, never a crash.
  auto garbage = Bulk("/_bulk", "this is not ndjson\n", false, BasicAuth());
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(json::parse(garbage.body)["error"]["type"], "illegal_argument_exception");
  auto bad_gzip = harness::HttpCall({.method = "POST",
                                     .url = url_ + "/_bulk",
                                     .headers = {"Authorization: " + BasicAuth(), "Content-Encoding: gzip"},
                                     .body = "\x1f\x8b not really"});
  ASSERT_TRUE(bad_gzip.ok());
  EXPECT_EQ(bad_gzip->status, 400);
  auto wrong = Bulk("/_bulk", body, false, "Basic " + Base64Encode("filebeat:kelola_wrong"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json::parse(wrong.body)["error"]["type"], "security_exception");
  EXPECT_EQ(Bulk("/_bulk", body, false, "").status, 401);
  EXPECT_TRUE(server_->Running());

  std::string metrics = harness::HttpCall({.url = url_ + "/metrics"})->body;
  EXPECT_NE(metrics.find(R"(kelola_es_bulk_items_total{outcome="stored"} 1001)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(kelola_es_bulk_items_total{outcome="rejected"} 2)"), std::string::npos);
}

// Fluent Bit (Generate_ID) and Vector (id_key) send an `_id` so that a retry
// of a request whose answer was lost is idempotent: kelola stores it once,
// answers ES's 409 for `create` and leaves it as it is for `index`, also
// after a restart.
TEST_F(EsBulkIngestTest, ARetriedRequestWithClientIdsIsStoredOnceEvenAcrossARestart) {
  StartServer();
  std::string body;
  for (int i = 0; i < 50; ++i) {
    body += R"({"create":{"_index":"ids","_id":"doc-)" + std::to_string(i) + "\"}}\n";
    body += R"({"message":"id line )" + std::to_string(i) + "\"}\n";
  }
  body += "{\"index\":{\"_index\":\"ids\",\"_id\":\"doc-idx\"}}\n{\"message\":\"indexed\"}\n";
  body += "{\"create\":{\"_index\":\"ids\",\"_id\":\"doc-0\"}}\n{\"message\":\"same id again\"}\n";
  auto first = Bulk("/_bulk", body, false, BasicAuth());
  ASSERT_EQ(first.status, 200) << first.body;
  json r = json::parse(first.body);
  EXPECT_EQ(r["items"][0]["create"]["status"], 201);
  EXPECT_EQ(r["items"][50]["index"]["status"], 201);
  EXPECT_EQ(r["items"][51]["create"]["status"], 409) << "a repeat inside one request";

  auto check = [&](const json& retry) {
    EXPECT_EQ(retry["errors"], true);
    ASSERT_EQ(retry["items"].size(), 52u);
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(retry["items"][i]["create"]["status"], 409) << i;
      EXPECT_EQ(retry["items"][i]["create"]["error"]["type"], "version_conflict_engine_exception");
    }
    EXPECT_EQ(retry["items"][50]["index"]["status"], 200);
    EXPECT_EQ(retry["items"][50]["index"]["result"], "noop");
  };
  auto retry = Bulk("/_bulk", body, false, BasicAuth());
  ASSERT_EQ(retry.status, 200) << retry.body;
  check(json::parse(retry.body));

  server_->Stop();
  StartServer();
  auto after_restart = Bulk("/_bulk", body, false, BasicAuth());
  ASSERT_EQ(after_restart.status, 200) << after_restart.body;
  check(json::parse(after_restart.body));

  auto stored = StoredTexts("index=ids");
  EXPECT_EQ(stored.size(), 51u);
  for (const auto& [text, n] : stored) EXPECT_EQ(n, 1) << text;
  EXPECT_EQ(stored.count("same id again"), 0u);
  std::string metrics = harness::HttpCall({.url = url_ + "/metrics"})->body;
  EXPECT_NE(metrics.find(R"(kelola_es_bulk_items_total{outcome="duplicate"} 52)"), std::string::npos) << metrics;
}

TEST_F(EsBulkIngestTest, RsyslogOmelasticsearchShipsEveryLine) {
  const std::string module_dir = "/usr/lib/x86_64-linux-gnu/rsyslog";
  if (!std::filesystem::exists("/usr/sbin/rsyslogd") || !std::filesystem::exists(module_dir + "/omelasticsearch.so")) {
    GTEST_SKIP() << "rsyslog and rsyslog-elasticsearch are not installed (scripts/install-deps)";
  }
  StartServer();
  std::filesystem::create_directories(dir_->File("rs-work"));
  std::string log = dir_->File("app.log");
  std::string conf = "global(workDirectory=\"" + dir_->File("rs-work") +
                     "\")\n"
                     "module(load=\"imfile\" pollingInterval=\"1\")\n"
                     "module(load=\"omelasticsearch\")\n"
                     "template(name=\"doc\" type=\"list\" option.jsonf=\"on\") {\n"
                     "  property(outname=\"message\" name=\"msg\" format=\"jsonf\")\n"
                     "  property(outname=\"host\" name=\"hostname\" format=\"jsonf\")\n"
                     "}\n"
                     "input(type=\"imfile\" File=\"" +
                     log +
                     "\" Tag=\"app\" ruleset=\"es\" freshStartTail=\"off\")\n"
                     "ruleset(name=\"es\") {\n"
                     "  action(type=\"omelasticsearch\" server=\"127.0.0.1\" serverport=\"" +
                     std::to_string(port_) +
                     "\" searchIndex=\"rsyslog\" template=\"doc\" bulkmode=\"on\" uid=\"rsyslog\" pwd=\"" + token_ +
                     "\" errorfile=\"" + dir_->File("es-errors.json") +
                     "\" action.resumeRetryCount=\"-1\" action.resumeInterval=\"1\")\n"
                     "}\n";
  ASSERT_TRUE(harness::WriteFile(dir_->File("rsyslog.conf"), conf, 0600).ok());
  const int n = 2000;
  std::string lines;
  for (int i = 0; i < n; ++i) lines += "line-" + std::to_string(i) + " from a real shipper\n";
  ASSERT_TRUE(harness::WriteFile(log, lines).ok());
  auto rsyslog = harness::ChildProcess::Spawn({.argv = {"/usr/sbin/rsyslogd", "-n", "-f", dir_->File("rsyslog.conf"),
                                                        "-i", dir_->File("rsyslog.pid"), "-M", module_dir},
                                               .log_path = dir_->File("rsyslog.log")});
  ASSERT_TRUE(rsyslog.ok()) << rsyslog.status().ToString();
  std::map<std::string, int> stored;
  bool all = WaitFor(
      [&] {
        stored = StoredTexts("index=rsyslog");
        return stored.size() >= static_cast<size_t>(n);
      },
      90);
  (*rsyslog)->Stop();
  ASSERT_TRUE(all) << "stored " << stored.size() << " of " << n << "\nrsyslog:\n"
                   << harness::TailOfFile(dir_->File("rsyslog.log")) << "\nerrors:\n"
                   << harness::TailOfFile(dir_->File("es-errors.json")) << "\nserver:\n"
                   << harness::TailOfFile(dir_->File("server.log"));
  for (int i = 0; i < n; ++i) EXPECT_EQ(stored["line-" + std::to_string(i) + " from a real shipper"], 1) << i;
}

TEST_F(EsBulkIngestTest, ServerForwardsWhatItStoredToOpenSearchAndKeepsDeadLetters) {
  auto node = harness::OpenSearchNode::Start();
  if (!node.ok()) GTEST_SKIP() << "no OpenSearch node: " << node.status().ToString();
  // `message` mapped as an integer: "bad-N" is a real 400 from the node.
  auto created = harness::HttpCall({.method = "PUT",
                                    .url = (*node)->Url() + "/fwd-2026.11.27",
                                    .headers = {"Content-Type: application/json"},
                                    .body = R"({"settings":{"number_of_shards":1,"number_of_replicas":0},)"
                                            R"("mappings":{"properties":{"message":{"type":"integer"}}}})"});
  ASSERT_TRUE(created.ok() && created->status == 200) << (created.ok() ? created->body : "");
  StartServer("logs:\n  sinks:\n    - name: search\n      type: elasticsearch\n      url: " + (*node)->Url() +
              "\n      index: fwd-%Y.%m.%d\n      batch_records: 100\n");
  const int n = 500;
  std::string body;
  for (int i = 0; i < n; ++i) {
    std::string msg = i % 50 == 7 ? "bad-" + std::to_string(i) : std::to_string(i);
    body += "{\"index\":{\"_index\":\"in\"}}\n{\"@timestamp\":\"2026-11-27T10:00:00Z\",\"message\":\"" + msg + "\"}\n";
  }
  auto reply = Bulk("/_bulk", body, true, BasicAuth());
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_TRUE(WaitFor(
      [&] {
        json s = Get("/v1/logs/sinks");
        return s["items"].size() == 1 && s["items"][0]["lag"] == 0 && s["items"][0]["cursor"] == n;
      },
      60))
      << Get("/v1/logs/sinks").dump() << harness::TailOfFile(dir_->File("server.log"));
  json sink = Get("/v1/logs/sinks")["items"][0];
  EXPECT_EQ(sink["name"], "search");
  EXPECT_EQ(sink["type"], "elasticsearch");
  EXPECT_EQ(sink["sent"], n - 10);
  EXPECT_EQ(sink["deadLettered"], 10);

  ASSERT_TRUE(harness::HttpCall({.method = "POST", .url = (*node)->Url() + "/fwd-2026.11.27/_refresh"}).ok());
  auto count = harness::HttpCall({.url = (*node)->Url() + "/fwd-2026.11.27/_count"});
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(json::parse(count->body)["count"], n - 10);

  json letters = Get("/v1/logs/dead-letters?sink=search&limit=1000");
  ASSERT_EQ(letters["items"].size(), 10u);
  for (const auto& l : letters["items"]) {
    EXPECT_EQ(l["httpStatus"], 400);
    EXPECT_NE(l["reason"].get<std::string>().find("mapper_parsing_exception"), std::string::npos) << l.dump();
    EXPECT_EQ(l["text"].get<std::string>().rfind("bad-", 0), 0u) << l.dump();
  }
  std::string metrics = harness::HttpCall({.url = url_ + "/metrics"})->body;
  EXPECT_NE(metrics.find(R"(kelola_log_sink_records_total{sink="search",outcome="sent"} 490)"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(kelola_log_sink_lag_records{sink="search"} 0)"), std::string::npos);

  // A bad sink config stops the server with the key's position.
  ASSERT_TRUE(harness::WriteFile(dir_->File("bad.yaml"),
                                 "logs:\n  sinks:\n    - name: x\n      type: elasticsearch\n      urll: http://x\n")
                  .ok());
  auto bad = harness::RunCommand({harness::KelolaBinary(), "server", "--config", dir_->File("bad.yaml"), "--data-dir",
                                  dir_->File("data2"), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->exit_code, 2);
  EXPECT_NE(bad->err.find("bad.yaml:5:13: unknown key \"urll\""), std::string::npos) << bad->err;
}

}  // namespace
}  // namespace kelola
