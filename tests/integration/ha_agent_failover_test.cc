// An agent given several replicas (`server: URL,URL`) keeps shipping when
// the one it ships to is killed with SIGKILL: the lines continue to the
// next replica, and every line is accounted for.
//
// Where the lines are: each replica stores what it acknowledged in its own
// embedded log store (DATA_DIR/logs, fsynced before the 200), not in
// PostgreSQL. So the lines acknowledged by the killed replica are on its
// disk: they are counted after restarting it on the same data directory.
// A batch the dead replica stored but could not acknowledge is sent again
// to the next one: at most one batch is stored twice (on two replicas).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/ha_cluster.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kBatch = 100;

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b ? b : "kelola";
}

class HaAgentFailoverTest : public HaClusterTest {
 protected:
  // Appends lines [from, to) to logs/app.log, "n=NUMBER ...".
  void WriteLines(int from, int to) {
    std::string chunk;
    for (int i = from; i < to; ++i) chunk += "n=" + std::to_string(i) + " shipped through a failover\n";
    int fd = ::open(dir_->File("logs/app.log").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    ::close(fd);
  }

  // number -> copies stored by `replica`'s log store.
  std::map<int, int> StoredNumbers(size_t replica) {
    std::map<int, int> seen;
    uint64_t after = 0;
    for (;;) {
      auto reply = Call(replica, "GET", "/v1/logs/query?limit=10000&after=" + std::to_string(after));
      json doc = json::parse(reply.body, nullptr, false);
      if (reply.status != 200 || doc.is_discarded()) {
        ADD_FAILURE() << "replica " << replica << ": " << reply.status << " " << reply.body;
        return seen;
      }
      for (const auto& item : doc["items"]) {
        const std::string text = item["text"];
        if (text.rfind("n=", 0) == 0) seen[std::atoi(text.c_str() + 2)]++;
      }
      after = doc["next"];
      if (!doc["more"].get<bool>()) return seen;
    }
  }

  bool Stored(size_t replica, int number) {
    auto reply = Call(replica, "GET",
                      "/v1/logs/query?limit=1&contains=" + harness::UrlEncode("n=" + std::to_string(number) + " "));
    if (reply.status != 200) return false;
    json doc = json::parse(reply.body, nullptr, false);
    return !doc.is_discarded() && doc["items"].size() == 1;
  }

  std::unique_ptr<harness::ChildProcess> agent_;
};

TEST_F(HaAgentFailoverTest, AgentMovesToAnotherReplicaWhenItsServerIsKilledAndLosesNoLine) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(3));
  std::filesystem::create_directories(dir_->File("logs"));
  auto token = Call(1, "POST", "/v1/tokens", R"({"name":"agent-1","role":"operator"})");
  ASSERT_EQ(token.status, 201) << token.body;
  const std::string agent_token = json::parse(token.body)["token"];
  // Replica 0 first; 1 and 2 when it fails.
  const std::string servers = replicas_[0].url + "," + replicas_[1].url + "," + replicas_[2].url;
  const std::string yaml = "name: agent-1\nserver: '" + servers + "'\ntoken: " + agent_token +
                           "\ndata_dir: " + dir_->File("agent") +
                           "\nmetrics_listen: 127.0.0.1:0\npoll_interval: 50ms\n"
                           "file:\n  include: ['" +
                           dir_->File("logs/app.log") +
                           "']\n  read_from: head\n"
                           "batch:\n  max_records: " +
                           std::to_string(kBatch) +
                           "\n  max_wait: 100ms\n"
                           "retry:\n  initial_backoff: 100ms\n  max_backoff: 1s\n";
  ASSERT_TRUE(harness::WriteFile(dir_->File("agent.yaml"), yaml).ok());
  auto agent = harness::ChildProcess::Spawn(
      {.argv = {Binary(), "agent", "--config", dir_->File("agent.yaml")}, .log_path = dir_->File("agent.log")});
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  agent_ = std::move(*agent);

  WriteLines(0, 2000);
  ASSERT_TRUE(WaitFor([&] { return Stored(0, 1999); }, seconds(60)))
      << harness::TailOfFile(dir_->File("agent.log")) << Logs();
  EXPECT_FALSE(Stored(1, 0)) << "the agent sticks to its first replica while it answers";

  // kill -9 replica 0 while lines keep coming and being shipped.
  std::thread writer([this] {
    for (int n = 2000; n < 5000; n += 20) {
      WriteLines(n, n + 20);
      std::this_thread::sleep_for(milliseconds(5));
    }
  });
  const bool shipping = WaitFor([&] { return Stored(0, 2100); }, seconds(60));
  Kill(0);
  writer.join();
  ASSERT_TRUE(shipping) << harness::TailOfFile(dir_->File("agent.log")) << Logs();
  ASSERT_TRUE(WaitFor([&] { return Stored(1, 4999); }, seconds(60)))
      << harness::TailOfFile(dir_->File("agent.log")) << Logs();
  EXPECT_FALSE(Stored(2, 4999)) << "one replica at a time: it sticks to the next one";

  // Replica 0's acknowledged lines are on its disk: restart it there.
  ASSERT_NO_FATAL_FAILURE(StartReplica(0));
  std::map<int, int> a = StoredNumbers(0);
  std::map<int, int> b = StoredNumbers(1);
  std::map<int, int> c = StoredNumbers(2);
  const size_t on_a = a.size(), on_b = b.size(), on_c = c.size();
  int missing = 0;
  int duplicates = 0;
  for (int n = 0; n < 5000; ++n) {
    const int copies = a[n] + b[n] + c[n];
    if (copies == 0 && ++missing <= 10) ADD_FAILURE() << "line " << n << " is missing";
    if (copies > 1) duplicates += copies - 1;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_LE(duplicates, kBatch) << "only the batch in flight at the kill may be stored twice";
  EXPECT_GT(on_b, 2000u) << "the lines after the kill went to replica 1";
  std::cout << "[ agent failover ] replica 0 stored " << on_a << " lines, replica 1 " << on_b << ", replica 2 " << on_c
            << "; missing " << missing << ", stored twice " << duplicates << "\n";
  agent_->Stop();
}

}  // namespace
}  // namespace kelola
