// An agent given several replicas (`server: URL,URL`) keeps shipping when
// the one it ships to is killed with SIGKILL: the lines continue to the
// next replica, and every line is accounted for.
//
// Where the lines are: a replica acknowledges a batch only once it is in
// PostgreSQL's log_batches, and every replica applies every batch to its own
// log store (docs/operations.md). So every line is on every replica, the
// killed one included once it is restarted, and exactly once: a batch the
// dead replica shared but could not acknowledge, sent again to the next one,
// is recognised by its stream offsets.
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

  // Agent batches this replica received itself (not through the shared feed).
  double BatchesReceived(size_t replica) {
    auto reply = Call(replica, "GET", "/metrics");
    const std::string sample = "\nkelola_log_ingest_batches_total{outcome=\"stored\"} ";
    size_t at = reply.body.find(sample);
    return at == std::string::npos ? 0 : std::atof(reply.body.c_str() + at + sample.size());
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
  EXPECT_EQ(BatchesReceived(1), 0) << "the agent sticks to its first replica while it answers";

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
  EXPECT_EQ(BatchesReceived(2), 0) << "one replica at a time: it sticks to the next one";

  // Every replica applies every shared batch; the killed one after a restart.
  ASSERT_NO_FATAL_FAILURE(StartReplica(0));
  ASSERT_TRUE(WaitFor([&] { return Stored(0, 4999) && Stored(2, 4999); }, seconds(60))) << Logs();
  for (size_t replica = 0; replica < 3; ++replica) {
    std::map<int, int> lines = StoredNumbers(replica);
    int missing = 0;
    int duplicates = 0;
    for (int n = 0; n < 5000; ++n) {
      auto it = lines.find(n);
      if (it == lines.end() && ++missing <= 10)
        ADD_FAILURE() << "replica " << replica << ": line " << n << " is missing";
      if (it != lines.end() && it->second > 1) duplicates += it->second - 1;
    }
    EXPECT_EQ(missing, 0) << "replica " << replica;
    EXPECT_EQ(duplicates, 0) << "replica " << replica;
    std::cout << "[ agent failover ] replica " << replica << " holds " << lines.size() << " lines; missing " << missing
              << ", stored twice " << duplicates << "\n";
  }
  EXPECT_GT(BatchesReceived(1), 0) << "the lines after the kill went to replica 1";
  agent_->Stop();
}

}  // namespace
}  // namespace kelola
