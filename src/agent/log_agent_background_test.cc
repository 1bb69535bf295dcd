// LogAgent with send_in_background: the HTTP call runs on the
// BackgroundSender's thread while Step() goes on reading and encoding. The
// sender here blocks until the test releases it, so the test decides when
// the "server" answers; Step() is driven by hand with a FakeClock.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "agent/log_agent.h"
#include "logs/log_frame.h"
#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Each Send waits for one Release(); then answers with the scripted status
// (OK when the script is empty) and keeps what an OK answer stored.
class GatedSender : public BatchSender {
 public:
  Status Send(const std::string& frame) override {
    std::unique_lock<std::mutex> lock(mu);
    frames.push_back(frame);
    cv.notify_all();
    cv.wait(lock, [&] { return released > answered; });
    Status s;
    if (!script.empty()) {
      s = script.front();
      script.pop_front();
    }
    if (s.ok()) {
      auto batch = DecodeFrame(frame);
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      if (batch.ok()) {
        for (const auto& r : batch->records) lines.push_back(r.text);
      }
    }
    ++answered;
    return s;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu);
    ++released;
    cv.notify_all();
  }
  size_t Started() {
    std::lock_guard<std::mutex> lock(mu);
    return frames.size();
  }
  std::string Frame(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    return frames.at(i);
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu);
    return lines;
  }

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Status> script;
  std::vector<std::string> frames;
  std::vector<std::string> lines;
  int released = 0;
  int answered = 0;
};

class LogAgentBackgroundTest : public ::testing::Test {
 protected:
  ~LogAgentBackgroundTest() override {
    for (int i = 0; i < 16; ++i) sender.Release();  // never leave the sending thread waiting
  }
  std::unique_ptr<LogAgent> Make() {
    AgentOptions o;
    o.name = "test-agent";
    o.data_dir = dir.File("agent");
    o.file.include = {dir.File("*.log")};
    o.file.read_from_head = true;
    o.batch_max_records = 3;
    o.retry_initial = milliseconds(100);
    o.retry_max = seconds(1);
    o.send_in_background = true;
    auto a = LogAgent::Create(std::move(o), sender, clock, metrics);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return std::move(*a);
  }
  // Steps until `done` holds; fails after 10 s of real time (the sending
  // thread answers as soon as it is released, so this is never reached).
  template <typename F>
  void StepUntil(LogAgent& a, F done) {
    auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (!done()) {
      ASSERT_TRUE(a.Step().ok());
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "condition not reached";
      std::this_thread::yield();
    }
  }
  static std::string Numbered(int from, int to) {
    std::string s;
    for (int i = from; i <= to; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
  }
  static std::vector<std::string> Lines(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i <= to; ++i) out.push_back("line " + std::to_string(i));
    return out;
  }
  uint64_t CheckpointOffset() {
    auto cps = CheckpointStore::Open(dir.File("agent/checkpoints"));
    EXPECT_TRUE(cps.ok());
    auto all = cps->All();
    return all.empty() ? 0 : all[0].offset;
  }
  bool MetricIs(const std::string& line) { return metrics.RenderText().find(line) != std::string::npos; }

  ScratchDir dir;
  FakeClock clock;
  MetricsRegistry metrics;
  GatedSender sender;
};

TEST_F(LogAgentBackgroundTest, TheNextBatchIsEncodedWhileOneIsStoredAndTheyLeaveInOrder) {
  dir.Write("a.log", Numbered(1, 9));
  auto agent = Make();
  ASSERT_TRUE(agent->Step().ok());
  StepUntil(*agent, [&] { return sender.Started() == 1; });
  // The first batch is with the server; the second is cut and encoded meanwhile.
  EXPECT_EQ(agent->batches_in_flight(), 2u);
  EXPECT_EQ(agent->queued_records(), 3u);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(agent->Step().ok());
  EXPECT_EQ(sender.Started(), 1u);  // nothing else leaves before the first is acknowledged
  EXPECT_EQ(CheckpointOffset(), 0u);

  sender.Release();
  StepUntil(*agent, [&] { return sender.Started() == 2; });
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 3).size());
  EXPECT_EQ(agent->batches_in_flight(), 2u);  // the third batch was cut as the first left
  sender.Release();
  StepUntil(*agent, [&] { return sender.Started() == 3; });
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 6).size());
  sender.Release();
  StepUntil(*agent, [&] { return agent->batches_in_flight() == 0; });
  EXPECT_EQ(sender.Lines(), Lines(1, 9));
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 9).size());
  EXPECT_TRUE(MetricIs("kelola_agent_records_acked_total 9"));
  EXPECT_TRUE(MetricIs("kelola_agent_records_retried_total 0"));
}

TEST_F(LogAgentBackgroundTest, AnUnacknowledgedBatchIsResentAfterBackoffBeforeTheNextOne) {
  dir.Write("a.log", Numbered(1, 6));
  auto agent = Make();
  sender.script = {UnavailableError("down")};
  StepUntil(*agent, [&] { return sender.Started() == 1; });
  sender.Release();
  StepUntil(*agent, [&] { return MetricIs("kelola_agent_records_retried_total 3"); });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(agent->Step().ok());
  EXPECT_EQ(sender.Started(), 1u);  // backing off; the second batch waits behind the first
  EXPECT_EQ(CheckpointOffset(), 0u);

  clock.Advance(seconds(2));
  StepUntil(*agent, [&] { return sender.Started() == 2; });
  EXPECT_EQ(sender.Frame(1), sender.Frame(0));  // the very same records and sequence numbers
  sender.Release();
  StepUntil(*agent, [&] { return sender.Started() == 3; });
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 3).size());
  sender.Release();
  StepUntil(*agent, [&] { return agent->batches_in_flight() == 0; });
  EXPECT_EQ(sender.Lines(), Lines(1, 6));
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 6).size());
}

TEST_F(LogAgentBackgroundTest, StopWhileABatchIsBeingStoredCheckpointsItsAcknowledgement) {
  dir.Write("a.log", Numbered(1, 3));
  auto agent = Make();
  StepUntil(*agent, [&] { return sender.Started() == 1; });
  agent->Stop();
  std::thread answer([&] { sender.Release(); });
  ASSERT_TRUE(agent->Run().ok());  // returns at once (stopping), after taking the answer
  answer.join();
  EXPECT_EQ(sender.Lines(), Lines(1, 3));
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 3).size());
}

}  // namespace
}  // namespace kelola
