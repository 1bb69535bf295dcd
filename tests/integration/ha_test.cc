// Three `kelola server` replicas on one PostgreSQL (both real, started by
// tests/harness): a client writing through one replica and following the
// event stream of another sees every change, in order; a replica killed
// with SIGKILL takes nothing down with it.
//
// Real time is used on purpose: this waits for real processes.
#include <signal.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/postgres_server.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using json = nlohmann::json;

// base64 of 32 bytes: every replica must seal secrets with the same key.
constexpr const char* kMasterKey = "a2Vsb2xhLWhhLXRlc3QtbWFzdGVyLWtleS0zMmJ5dGU=";

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b ? b : "kelola";
}

struct Replica {
  int port = 0;
  std::string url;
  std::string log;
  std::unique_ptr<harness::ChildProcess> process;
};

class HaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pg = harness::PostgresServer::Start();
    if (pg.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << pg.status().message();
    ASSERT_TRUE(pg.ok()) << pg.status().ToString();
    pg_ = std::move(*pg);
    auto db = pg_->CreateDatabase("kelola_ha");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    store_url_ = *db;
    auto dir = harness::TempDir::Create("kelola-ha");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
  }

  void StartReplica(int index) {
    Replica r;
    auto port = harness::FreePort();
    ASSERT_TRUE(port.ok());
    r.port = *port;
    r.url = "http://127.0.0.1:" + std::to_string(r.port);
    r.log = dir_->File("replica-" + std::to_string(index) + ".log");
    harness::SpawnOptions spawn;
    spawn.argv = {Binary(),     "server",
                  "--listen",   "127.0.0.1:" + std::to_string(r.port),
                  "--data-dir", dir_->File("data-" + std::to_string(index))};
    spawn.env = {"KELOLA_STORE=" + store_url_, std::string("KELOLA_MASTER_KEY=") + kMasterKey};
    spawn.log_path = r.log;
    auto child = harness::ChildProcess::Spawn(spawn);
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    r.process = std::move(*child);
    Status ready = harness::WaitForHttp({.url = r.url + "/readyz"}, 200, std::chrono::seconds(60));
    ASSERT_TRUE(ready.ok()) << ready.ToString() << "\n" << harness::TailOfFile(r.log);
    replicas_.push_back(std::move(r));
  }

  harness::HttpReply Call(size_t replica, const std::string& method, const std::string& path,
                          const std::string& body = "") {
    harness::HttpRequestSpec spec;
    spec.method = method;
    spec.url = replicas_.at(replica).url + path;
    spec.headers = {"Authorization: Bearer " + token_, "Content-Type: application/json"};
    spec.body = body;
    auto reply = harness::HttpCall(spec);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : harness::HttpReply{};
  }

  std::vector<int64_t> EventIdsAfter(size_t replica, int64_t after) {
    auto reply = Call(replica, "GET", "/v1/events?limit=10000&after=" + std::to_string(after));
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::vector<int64_t> ids;
    json doc = json::parse(reply.body, nullptr, false);
    if (doc.is_discarded()) return ids;
    for (const auto& item : doc["items"]) ids.push_back(item["id"].get<int64_t>());
    return ids;
  }

  // Follows /v1/events?follow=1 on `replica` with curl, into a file.
  std::unique_ptr<harness::ChildProcess> Follow(size_t replica, int64_t after, const std::string& out) {
    // The token goes through a file, not the command line.
    EXPECT_TRUE(harness::WriteFile(dir_->File("auth.header"), "Authorization: Bearer " + token_ + "\n", 0600).ok());
    harness::SpawnOptions spawn;
    spawn.argv = {"curl", "-sN", "-H", "@" + dir_->File("auth.header"),
                  replicas_.at(replica).url + "/v1/events?follow=1&after=" + std::to_string(after)};
    spawn.log_path = out;
    auto child = harness::ChildProcess::Spawn(spawn);
    EXPECT_TRUE(child.ok()) << child.status().ToString();
    return child.ok() ? std::move(*child) : nullptr;
  }

  // The "id: N" lines of an SSE capture, once it holds `last`.
  static std::vector<int64_t> StreamedIds(const std::string& path, int64_t last) {
    std::vector<int64_t> ids;
    Clock& clock = SystemClock();
    const MonoTime deadline = clock.Monotonic() + std::chrono::seconds(30);
    do {
      ids.clear();
      auto text = harness::ReadFile(path);
      std::string all = text.ok() ? *text : "";
      for (size_t pos = all.find("id: "); pos != std::string::npos; pos = all.find("\nid: ", pos + 1)) {
        size_t start = all[pos] == '\n' ? pos + 5 : pos + 4;
        ids.push_back(std::atoll(all.c_str() + start));
      }
      if (!ids.empty() && ids.back() >= last) return ids;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (clock.Monotonic() < deadline);
    return ids;
  }

  std::unique_ptr<harness::PostgresServer> pg_;
  std::string store_url_;
  std::unique_ptr<harness::TempDir> dir_;
  std::vector<Replica> replicas_;
  std::string token_;
};

std::string HostBody(int i) {
  return R"({"kind":"Host","metadata":{"name":"web-)" + std::to_string(i) + R"("},"spec":{"address":"10.0.0.)" +
         std::to_string(i) + R"("}})";
}

TEST_F(HaTest, WritesThroughOneReplicaStreamInOrderFromAnotherAndAKilledReplicaLosesNothing) {
  // The first replica creates the schema and the admin token; the others
  // find both.
  StartReplica(0);
  auto token = harness::ReadFile(dir_->File("data-0/admin.token"));
  ASSERT_TRUE(token.ok()) << harness::TailOfFile(replicas_[0].log);
  token_ = *token;
  while (!token_.empty() && token_.back() == '\n') token_.pop_back();
  StartReplica(1);
  StartReplica(2);
  EXPECT_FALSE(harness::ReadFile(dir_->File("data-1/admin.token")).ok()) << "one admin token for the cluster";
  EXPECT_EQ(Call(2, "GET", "/v1/hosts").status, 200) << "a token made on replica 0 works on replica 2";

  const std::vector<int64_t> before = EventIdsAfter(0, 0);
  const int64_t start = before.empty() ? 0 : before.back();
  auto follower = Follow(1, start, dir_->File("stream-1.txt"));
  ASSERT_NE(follower, nullptr);

  for (int i = 1; i <= 20; ++i) {
    auto put = Call(0, "PUT", "/v1/hosts/web-" + std::to_string(i), HostBody(i));
    ASSERT_EQ(put.status, 201) << put.body;
  }
  ASSERT_EQ(Call(0, "DELETE", "/v1/hosts/web-3").status, 200);
  std::vector<int64_t> written = EventIdsAfter(0, start);
  ASSERT_GE(written.size(), 21u);
  EXPECT_EQ(EventIdsAfter(2, start), written) << "every replica reads the same log";
  EXPECT_EQ(StreamedIds(dir_->File("stream-1.txt"), written.back()), written)
      << "replica 1's stream shows every change made through replica 0, in order";
  auto got = Call(1, "GET", "/v1/hosts/web-20");
  EXPECT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Call(1, "GET", "/v1/hosts/web-3").status, 404);

  // kill -9 replica 0: the others keep serving, and changes made through
  // replica 2 still reach replica 1's open stream.
  ASSERT_EQ(::kill(replicas_[0].process->pid(), SIGKILL), 0);
  replicas_[0].process->Stop();
  auto after_kill = Call(2, "PUT", "/v1/hosts/db-1", R"({"spec":{"address":"10.0.1.1"}})");
  ASSERT_EQ(after_kill.status, 201) << after_kill.body;
  EXPECT_EQ(Call(1, "GET", "/v1/hosts/db-1").status, 200);
  std::vector<int64_t> all = EventIdsAfter(1, start);
  ASSERT_GT(all.size(), written.size());
  EXPECT_EQ(StreamedIds(dir_->File("stream-1.txt"), all.back()), all);
  auto leaders = Call(1, "GET", "/v1/leaders");
  EXPECT_EQ(leaders.status, 200) << leaders.body;
  follower->Stop();
}

TEST_F(HaTest, RequestsFailWith503WhilePostgresIsDownAndRecoverAfterwards) {
  StartReplica(0);
  auto token = harness::ReadFile(dir_->File("data-0/admin.token"));
  ASSERT_TRUE(token.ok());
  token_ = *token;
  while (!token_.empty() && token_.back() == '\n') token_.pop_back();
  ASSERT_EQ(Call(0, "PUT", "/v1/hosts/web-1", HostBody(1)).status, 201);

  ASSERT_TRUE(pg_->Stop().ok());
  auto down = Call(0, "GET", "/v1/hosts");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(Call(0, "PUT", "/v1/hosts/web-2", HostBody(2)).status, 503);
  EXPECT_EQ(Call(0, "GET", "/healthz").status, 200) << "the process itself is fine";

  ASSERT_TRUE(pg_->Restart().ok());
  auto put = Call(0, "PUT", "/v1/hosts/web-2", HostBody(2));
  EXPECT_EQ(put.status, 201) << put.body;
  auto list = Call(0, "GET", "/v1/hosts");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(json::parse(list.body)["items"].size(), 2u) << "nothing lost, nothing doubled";
}

}  // namespace
}  // namespace kelola
