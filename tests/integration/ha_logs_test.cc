// Logs with several replicas on one PostgreSQL (issue #11 point 4): a batch
// is acknowledged only once it is in the shared table log_batches, and
// every replica applies every batch to its own log store.
//
// Real `kelola server` processes on a real PostgreSQL (tests/harness). The
// batches are agent frames posted to /v1/logs/ingest, exactly what an agent
// sends, so the test controls the instant of the acknowledgement (the agent
// itself is exercised in ha_agent_failover_test.cc).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "logs/log_frame.h"
#include "tests/integration/ha_cluster.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

constexpr int kLinesPerBatch = 100;

// Batch `n` of agent-x: lines n*100 .. n*100+99 of one file stream, with
// the byte offsets an agent would give them.
std::string Frame(int n) {
  LogBatch b;
  b.agent = "agent-x";
  b.labels = {{"service", "ha-logs"}};
  for (int i = n * kLinesPerBatch; i < (n + 1) * kLinesPerBatch; ++i) {
    LogRecord r;
    r.stream_id = "00000000000000aa";
    r.path = "/var/log/app.log";
    r.offset = static_cast<uint64_t>(i) * 32;
    r.end_offset = r.offset + 32;
    r.time_ms = 1'764'000'000'000 + i;
    r.text = "line " + std::to_string(i) + " of the shared log";
    b.records.push_back(r);
  }
  auto frame = EncodeFrame(b);
  EXPECT_TRUE(frame.ok());
  return frame.value_or("");
}

class HaLogsTest : public HaClusterTest {
 protected:
  harness::HttpReply Ingest(size_t replica, int batch) {
    harness::HttpRequestSpec spec;
    spec.method = "POST";
    spec.url = replicas_.at(replica).url + "/v1/logs/ingest";
    spec.headers = {"Authorization: Bearer " + token_, "Content-Type: application/x-kelola-frame"};
    spec.body = Frame(batch);
    auto reply = harness::HttpCall(spec);
    return reply.ok() ? *reply : harness::HttpReply{};
  }

  // line number -> copies in `replica`'s log store; nullopt if it did not answer.
  std::optional<std::map<int, int>> Lines(size_t replica) {
    std::map<int, int> seen;
    uint64_t after = 0;
    for (;;) {
      auto reply =
          Call(replica, "GET", "/v1/logs/query?limit=10000&selector=agent=agent-x&after=" + std::to_string(after));
      json doc = json::parse(reply.body, nullptr, false);
      if (reply.status != 200 || doc.is_discarded()) return std::nullopt;
      for (const auto& item : doc["items"]) {
        const std::string text = item["text"];
        seen[std::atoi(text.c_str() + 5)]++;
      }
      after = doc["next"];
      if (!doc["more"].get<bool>()) return seen;
    }
  }

  // Waits until `replica` holds lines [0, count); then checks each is there once.
  void ExpectEveryLineOnce(size_t replica, int count) {
    std::map<int, int> seen;
    bool all = WaitFor(
        [&] {
          auto lines = Lines(replica);
          if (!lines) return false;
          seen = *lines;
          return static_cast<int>(seen.size()) >= count;
        },
        seconds(60));
    EXPECT_TRUE(all) << "replica " << replica << " has " << seen.size() << " of " << count << " lines\n" << Logs();
    int missing = 0, duplicated = 0, unexpected = 0;
    for (int i = 0; i < count; ++i) {
      auto it = seen.find(i);
      if (it == seen.end()) {
        ++missing;
      } else if (it->second > 1) {
        duplicated += it->second - 1;
      }
    }
    for (const auto& [line, copies] : seen) unexpected += line >= count ? copies : 0;
    EXPECT_EQ(missing, 0) << "replica " << replica;
    EXPECT_EQ(duplicated, 0) << "replica " << replica;
    EXPECT_EQ(unexpected, 0) << "replica " << replica;
  }

  // Appends lines [from, to) to logs/app.log as an application would.
  void WriteAppLines(int from, int to) {
    std::string chunk;
    for (int i = from; i < to; ++i) chunk += "line " + std::to_string(i) + " from the agent\n";
    std::ofstream out(dir_->File("logs/app.log"), std::ios::app | std::ios::binary);
    out << chunk;
    ASSERT_TRUE(out.good());
  }

  // A real `kelola agent` (name agent-x) tailing logs/app.log, shipping to `servers` in order.
  void StartAgent(const std::vector<size_t>& servers) {
    std::filesystem::create_directories(dir_->File("logs"));
    auto token = Call(servers.at(0), "POST", "/v1/tokens", R"({"name":"agent-x","role":"operator"})");
    ASSERT_EQ(token.status, 201) << token.body;
    std::string urls;
    for (size_t s : servers) urls += (urls.empty() ? "" : ",") + replicas_.at(s).url;
    const std::string yaml = "name: agent-x\nserver: '" + urls +
                             "'\ntoken: " + json::parse(token.body)["token"].get<std::string>() +
                             "\ndata_dir: " + dir_->File("agent") +
                             "\nmetrics_listen: 127.0.0.1:0\npoll_interval: 50ms\n"
                             "file:\n  include: ['" +
                             dir_->File("logs/app.log") +
                             "']\n  read_from: head\n"
                             "batch:\n  max_records: 100\n  max_wait: 100ms\n"
                             "retry:\n  initial_backoff: 100ms\n  max_backoff: 1s\n";
    ASSERT_TRUE(harness::WriteFile(dir_->File("agent.yaml"), yaml).ok());
    const char* binary = std::getenv("KELOLA_BINARY");
    auto agent = harness::ChildProcess::Spawn(
        {.argv = {binary ? binary : "kelola", "agent", "--config", dir_->File("agent.yaml")},
         .log_path = dir_->File("agent.log")});
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    agent_ = std::move(*agent);
  }

  std::unique_ptr<harness::ChildProcess> agent_;

  // The value of an unlabelled or labelled sample in `replica`'s /metrics.
  double Metric(size_t replica, const std::string& sample) {
    auto reply = Call(replica, "GET", "/metrics");
    size_t at = reply.body.find("\n" + sample + " ");
    if (at == std::string::npos) return 0;
    return std::atof(reply.body.c_str() + at + sample.size() + 2);
  }
};

TEST_F(HaLogsTest, LinesAcknowledgedByAReplicaKilledRightAfterTheAckAreOnEveryOtherReplicaOnce) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(3));
  for (int n = 0; n < 10; ++n) {
    auto reply = Ingest(0, n);
    ASSERT_EQ(reply.status, 200) << reply.body << Logs();
  }
  Kill(0);  // at once: whatever replica 0 acknowledged must already be shared
  ExpectEveryLineOnce(1, 10 * kLinesPerBatch);
  ExpectEveryLineOnce(2, 10 * kLinesPerBatch);

  // Replica 0 comes back: its own batches come back to it from the table
  // and are recognised as already stored.
  ASSERT_NO_FATAL_FAILURE(StartReplica(0));
  ExpectEveryLineOnce(0, 10 * kLinesPerBatch);
  EXPECT_TRUE(WaitFor([&] { return Metric(0, "kelola_log_feed_applied_id") >= 10; }, seconds(30)));
}

TEST_F(HaLogsTest, AReplicaSeesLinesSentToAnotherRightAfterTheirAck) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(2));
  auto first = Ingest(0, 0);
  ASSERT_EQ(first.status, 200) << first.body;
  // Read-your-writes on the replica that acknowledged: no waiting.
  auto here = Lines(0);
  ASSERT_TRUE(here.has_value());
  EXPECT_EQ(here->size(), static_cast<size_t>(kLinesPerBatch));
  // The other replica: within the feed's latency (a notification).
  ExpectEveryLineOnce(1, kLinesPerBatch);
  // The same batch sent again (a lost acknowledgement), through the other replica.
  auto again = Ingest(1, 0);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["duplicates"], kLinesPerBatch);
  ASSERT_TRUE(WaitFor([&] { return Metric(0, "kelola_log_feed_applied_id") >= 2; }, seconds(30)));
  ExpectEveryLineOnce(0, kLinesPerBatch);
  ExpectEveryLineOnce(1, kLinesPerBatch);
}

// Like an agent behind a round-robin load balancer: consecutive batches of one
// stream land on different replicas, each right after the previous one's
// acknowledgement. Each replica must store them in stream order (its feed
// applies the table in id order), or its offset check would drop a batch
// that reached it after a later one.
TEST_F(HaLogsTest, ConsecutiveBatchesThroughDifferentReplicasAreAllStoredOnEach) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(3));
  for (int n = 0; n < 30; ++n) {
    auto reply = Ingest(n % 3, n);
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  for (size_t r = 0; r < 3; ++r) ExpectEveryLineOnce(r, 30 * kLinesPerBatch);
}

TEST_F(HaLogsTest, AReplicaStartedLaterCatchesUpAndResumesAfterARestart) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(2));
  for (int n = 0; n < 5; ++n) ASSERT_EQ(Ingest(n % 2, n).status, 200);
  replicas_.emplace_back();
  ASSERT_NO_FATAL_FAILURE(StartReplica(2));  // a new data directory: starts from the table's oldest row
  ExpectEveryLineOnce(2, 5 * kLinesPerBatch);

  Kill(2);
  for (int n = 5; n < 8; ++n) ASSERT_EQ(Ingest(0, n).status, 200);
  ASSERT_NO_FATAL_FAILURE(StartReplica(2));  // same data directory: resumes after its applied id
  ExpectEveryLineOnce(2, 8 * kLinesPerBatch);
  ExpectEveryLineOnce(0, 8 * kLinesPerBatch);
  ExpectEveryLineOnce(1, 8 * kLinesPerBatch);
}

TEST_F(HaLogsTest, ABatchIsNotAcknowledgedWhilePostgresIsDownAndIsStoredOnceWhenRetried) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(2));
  ASSERT_EQ(Ingest(0, 0).status, 200);
  ASSERT_TRUE(pg_->Stop().ok());
  auto refused = Ingest(0, 1);
  EXPECT_EQ(refused.status, 503) << refused.body;
  std::cout << "[ ha logs ] with PostgreSQL down: " << refused.status << " " << refused.body << "\n";
  ASSERT_TRUE(pg_->Restart().ok());

  // Stored nowhere: the other replica, caught up with the table, does not
  // have it, and neither does replica 0 (only its feed stores).
  ASSERT_TRUE(WaitFor([&] { return Metric(1, "kelola_log_feed_applied_id") >= 1; }, seconds(60))) << Logs();
  std::optional<std::map<int, int>> on_1;
  ASSERT_TRUE(WaitFor(
      [&] {
        on_1 = Lines(1);
        return on_1.has_value();
      },
      seconds(60)))
      << Logs();
  EXPECT_EQ(on_1->size(), static_cast<size_t>(kLinesPerBatch)) << "only batch 0";
  auto on_0 = Lines(0);
  ASSERT_TRUE(on_0.has_value());
  EXPECT_EQ(on_0->size(), static_cast<size_t>(kLinesPerBatch)) << "only batch 0";

  // The agent retries on the next replica, and (say its answer was lost)
  // on the first one again.
  harness::HttpReply retried;
  ASSERT_TRUE(WaitFor(
      [&] {
        retried = Ingest(1, 1);
        return retried.status == 200;
      },
      seconds(60)))
      << retried.status << " " << retried.body << Logs();
  auto again = Ingest(0, 1);
  EXPECT_EQ(again.status, 200) << again.body;
  ExpectEveryLineOnce(0, 2 * kLinesPerBatch);
  ExpectEveryLineOnce(1, 2 * kLinesPerBatch);
}

TEST_F(HaLogsTest, AnAgentKeepsItsLinesWhilePostgresIsDownAndEveryReplicaHasThemOnceAfterwards) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(2));
  ASSERT_NO_FATAL_FAILURE(StartAgent({0, 1}));
  ASSERT_NO_FATAL_FAILURE(WriteAppLines(0, 1000));
  ExpectEveryLineOnce(1, 1000);

  ASSERT_TRUE(pg_->Stop().ok());
  ASSERT_NO_FATAL_FAILURE(WriteAppLines(1000, 2000));
  // The agent is refused (503: sharing failed, or its token could not be
  // checked once the replica's token cache expired) while PostgreSQL is down.
  auto refusals = [&] {
    double n = 0;
    for (size_t r = 0; r < 2; ++r) {
      for (const char* outcome : {"share_failed", "unauthorized"}) {
        n += Metric(r, std::string("kelola_log_ingest_batches_total{outcome=\"") + outcome + "\"}");
      }
    }
    return n;
  };
  const bool refused = WaitFor([&] { return refusals() >= 3; }, seconds(30));
  ASSERT_TRUE(pg_->Restart().ok());
  EXPECT_TRUE(refused) << harness::TailOfFile(dir_->File("agent.log")) << Logs();
  ExpectEveryLineOnce(0, 2000);
  ExpectEveryLineOnce(1, 2000);
  agent_->Stop();
}

}  // namespace
}  // namespace kelola
