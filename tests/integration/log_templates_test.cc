// Template mining on the ingest path, with the real binary: lines stored by
// `kelola server` get a template id (field template_id), GET
// /v1/logs/templates and `kelola logs templates` list the templates, the
// query can select one template, and ids survive a restart.
#include <filesystem>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b ? b : "kelola";
}

template <typename Fn>
bool WaitFor(Fn cond, int seconds_max) {
  auto deadline = std::chrono::steady_clock::now() + seconds(seconds_max);
  while (!cond() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(50));
  return cond();
}

class LogTemplatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = harness::TempDir::Create("kelola-log-templates");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
  }

  void StartServer() {
    auto port = harness::FreePort();
    ASSERT_TRUE(port.ok());
    url_ = "http://127.0.0.1:" + std::to_string(*port);
    auto child =
        harness::ChildProcess::Spawn({.argv = {Binary(), "server", "--listen", "127.0.0.1:" + std::to_string(*port),
                                               "--data-dir", dir_->File("data")},
                                      .log_path = dir_->File("server.log")});
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    server_ = std::move(*child);
    const int p = *port;
    ASSERT_TRUE(WaitFor([&] { return !server_->Running() || harness::PortAcceptsConnections(p); }, 60));
    ASSERT_TRUE(server_->Running()) << harness::TailOfFile(dir_->File("server.log"));
    auto t = harness::ReadFile(dir_->File("data/admin.token"));
    ASSERT_TRUE(t.ok());
    token_ = *t;
    while (!token_.empty() && token_.back() == '\n') token_.pop_back();
  }

  // Ships lines through the Elasticsearch-compatible _bulk endpoint.
  void Ship(const std::vector<std::string>& lines) {
    std::string body;
    for (const auto& l : lines) {
      body += "{\"index\":{\"_index\":\"app\"}}\n" + json{{"message", l}}.dump() + "\n";
    }
    harness::HttpRequestSpec r;
    r.method = "POST";
    r.url = url_ + "/_bulk";
    r.headers = {"Content-Type: application/x-ndjson", "Authorization: Basic " + Base64Encode("shipper:" + token_)};
    r.body = body;
    auto reply = harness::HttpCall(r);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    ASSERT_EQ(reply->status, 200) << reply->body;
  }

  json Get(const std::string& path) {
    auto reply = harness::HttpCall({.url = url_ + path, .headers = {"Authorization: Bearer " + token_}});
    EXPECT_TRUE(reply.ok() && reply->status == 200) << path << ": " << (reply.ok() ? reply->body : "");
    return reply.ok() ? json::parse(reply->body, nullptr, false) : json();
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::string url_;
  std::string token_;
  std::unique_ptr<harness::ChildProcess> server_;
};

TEST_F(LogTemplatesTest, StoredLinesGetTemplateIdsThatSurviveARestart) {
  StartServer();
  std::vector<std::string> lines;
  for (int i = 0; i < 30; ++i) {
    lines.push_back("Accepted password for user" + std::to_string(i % 5) + " from 10.0.0." + std::to_string(i) +
                    " port " + std::to_string(40000 + i) + " ssh2");
    if (i % 3 == 0) lines.push_back("Received block blk_" + std::to_string(1000 + i) + " of size 67108864");
  }
  Ship(lines);

  json templates = Get("/v1/logs/templates");
  ASSERT_EQ(templates["total"], 2) << templates.dump();
  const json& top = templates["items"][0];
  EXPECT_EQ(top["template"], "Accepted password for <*> from <*> port <*> ssh2");
  EXPECT_EQ(top["count"], 30);
  EXPECT_EQ(top["example"], lines[0]);
  EXPECT_FALSE(top["firstSeen"].get<std::string>().empty());
  const int accepted_id = top["id"];
  const int block_id = templates["items"][1]["id"];
  EXPECT_EQ(templates["items"][1]["template"], "Received block <*> of size <*>");
  EXPECT_EQ(templates["items"][1]["count"], 10);

  // Every stored record carries its id; the query selects one template.
  json records = Get("/v1/logs/query?template=" + std::to_string(block_id));
  ASSERT_EQ(records["items"].size(), 10u);
  EXPECT_EQ(records["items"][0]["fields"]["template_id"], std::to_string(block_id));

  // The CLI prints the same list.
  auto cli = harness::RunCommand({Binary(), "logs", "templates", "--server", url_, "--token", token_});
  ASSERT_TRUE(cli.ok());
  EXPECT_EQ(cli->exit_code, 0) << cli->out;
  EXPECT_NE(cli->out.find("Accepted password for <*> from <*> port <*> ssh2"), std::string::npos) << cli->out;

  // Restart: the snapshot written at shutdown brings the same ids back.
  server_->Stop();
  ASSERT_TRUE(std::filesystem::exists(dir_->File("data/logs-templates.json")));
  StartServer();
  Ship({"Accepted password for root from 192.168.1.1 port 22 ssh2", "Received block blk_7 of size 1"});
  json after = Get("/v1/logs/templates?sort=id");
  ASSERT_EQ(after["total"], 2) << after.dump();
  std::map<int, int> counts;
  for (const auto& t : after["items"]) counts[t["id"].get<int>()] = t["count"].get<int>();
  EXPECT_EQ(counts[accepted_id], 31);
  EXPECT_EQ(counts[block_id], 11);
  auto bad =
      harness::HttpCall({.url = url_ + "/v1/logs/templates?limit=0", .headers = {"Authorization: Bearer " + token_}});
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  auto anonymous = harness::HttpCall({.url = url_ + "/v1/logs/templates"});
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);
}

}  // namespace
}  // namespace kelola
