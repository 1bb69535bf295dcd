#include "agent/log_agent.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "logs/log_frame.h"
#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Decodes what it is sent; answers with the scripted statuses, then OK.
class FakeSender : public BatchSender {
 public:
  Status Send(const std::string& frame) override {
    frames.push_back(frame);
    Status s;
    if (!script.empty()) {
      s = script.front();
      script.pop_front();
    }
    if (s.ok()) {
      auto batch = DecodeFrame(frame);
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      if (batch.ok()) stored.push_back(std::move(*batch));
    }
    return s;
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const auto& b : stored) {
      for (const auto& r : b.records) out.push_back(r.text);
    }
    return out;
  }
  std::deque<Status> script;
  std::vector<std::string> frames;
  std::vector<LogBatch> stored;
};

class LogAgentTest : public ::testing::Test {
 protected:
  AgentOptions Options() {
    AgentOptions o;
    o.name = "test-agent";
    o.data_dir = dir.File("agent");
    o.labels = {{"service", "api"}};
    o.file.include = {dir.File("*.log")};
    o.file.read_from_head = true;
    o.batch_max_records = 3;
    o.batch_max_wait = seconds(1);
    o.retry_initial = milliseconds(100);
    o.retry_max = seconds(1);
    return o;
  }
  std::unique_ptr<LogAgent> Make(AgentOptions o) {
    auto a = LogAgent::Create(std::move(o), sender, clock, metrics);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return std::move(*a);
  }
  void Steps(LogAgent& a, int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(a.Step().ok());
  }
  std::string Numbered(int from, int to) {
    std::string s;
    for (int i = from; i <= to; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
  }
  uint64_t CheckpointOffset() {
    auto cps = CheckpointStore::Open(dir.File("agent/checkpoints"));
    EXPECT_TRUE(cps.ok());
    auto all = cps->All();
    return all.empty() ? 0 : all[0].offset;
  }

  ScratchDir dir;
  FakeClock clock;
  MetricsRegistry metrics;
  FakeSender sender;
};

TEST_F(LogAgentTest, FullBatchesAreSentAcknowledgedAndCheckpointed) {
  dir.Write("a.log", Numbered(1, 6));
  auto agent = Make(Options());
  Steps(*agent, 3);
  EXPECT_EQ(sender.Lines(), (std::vector<std::string>{"line 1", "line 2", "line 3", "line 4", "line 5", "line 6"}));
  ASSERT_EQ(sender.stored.size(), 2u);
  EXPECT_EQ(sender.stored[0].agent, "test-agent");
  EXPECT_EQ(sender.stored[0].labels.at("service"), "api");
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 6).size());
  std::string text = metrics.RenderText();
  EXPECT_NE(text.find("kelola_agent_lines_read_total 6"), std::string::npos) << text;
  EXPECT_NE(text.find("kelola_agent_records_acked_total 6"), std::string::npos);
  EXPECT_NE(text.find("kelola_agent_records_dropped_total 0"), std::string::npos);
}

TEST_F(LogAgentTest, PartialBatchWaitsForMaxWait) {
  dir.Write("a.log", Numbered(1, 2));
  auto agent = Make(Options());
  Steps(*agent, 2);
  EXPECT_TRUE(sender.frames.empty());
  clock.Advance(seconds(1));
  Steps(*agent, 1);
  EXPECT_EQ(sender.Lines().size(), 2u);
}

TEST_F(LogAgentTest, UnacknowledgedBatchIsResentAfterBackoffAndCheckpointWaits) {
  dir.Write("a.log", Numbered(1, 3));
  auto agent = Make(Options());
  sender.script = {UnavailableError("down"), UnavailableError("down")};
  Steps(*agent, 1);
  ASSERT_EQ(sender.frames.size(), 1u);
  Steps(*agent, 3);
  EXPECT_EQ(sender.frames.size(), 1u);  // still backing off
  EXPECT_EQ(CheckpointOffset(), 0u);
  clock.Advance(seconds(2));
  Steps(*agent, 1);
  clock.Advance(seconds(2));
  Steps(*agent, 1);
  ASSERT_EQ(sender.frames.size(), 3u);
  EXPECT_EQ(sender.frames[0], sender.frames[2]);  // the very same records and sequence numbers
  EXPECT_EQ(sender.Lines(), (std::vector<std::string>{"line 1", "line 2", "line 3"}));
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 3).size());
  EXPECT_NE(metrics.RenderText().find("kelola_agent_records_retried_total 6"), std::string::npos);
}

TEST_F(LogAgentTest, FullBufferPausesReadingAndLosesNothing) {
  auto o = Options();
  o.buffer_max_bytes = 20;  // about three lines
  dir.Write("a.log", Numbered(1, 30));
  auto agent = Make(o);
  for (int i = 0; i < 20; ++i) sender.script.push_back(UnavailableError("down"));
  for (int i = 0; i < 20; ++i) {
    Steps(*agent, 1);
    EXPECT_LE(agent->queued_records() + (agent->batch_in_flight() ? 3 : 0), 6u);
    clock.Advance(seconds(2));
  }
  for (int i = 0; i < 40; ++i) {
    Steps(*agent, 1);
    clock.Advance(seconds(2));
  }
  std::vector<std::string> expected;
  for (int i = 1; i <= 30; ++i) expected.push_back("line " + std::to_string(i));
  EXPECT_EQ(sender.Lines(), expected);
}

TEST_F(LogAgentTest, AFullBufferCutsTheBatchWithoutWaitingForMaxWait) {
  auto o = Options();
  o.batch_max_records = 1000;
  o.buffer_max_bytes = 4096;  // the records' memory, not their text: a few lines fill it
  dir.Write("a.log", Numbered(1, 2000));
  auto agent = Make(o);
  // The clock never moves: only the full buffer can cut these batches.
  for (int i = 0; i < 200 && sender.Lines().size() < 2000; ++i) Steps(*agent, 1);
  EXPECT_EQ(sender.Lines().size(), 2000u);
  EXPECT_GT(sender.frames.size(), 1u);  // reading paused, so more than one batch
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 2000).size());
}

TEST_F(LogAgentTest, RejectedBatchIsCountedAsDroppedAndTheAgentMovesOn) {
  dir.Write("a.log", Numbered(1, 6));
  auto agent = Make(Options());
  sender.script = {InvalidArgumentError("bad frame")};
  Steps(*agent, 3);
  EXPECT_EQ(sender.Lines(), (std::vector<std::string>{"line 4", "line 5", "line 6"}));
  EXPECT_NE(metrics.RenderText().find("kelola_agent_records_dropped_total 3"), std::string::npos);
}

TEST_F(LogAgentTest, RestartWithoutAcknowledgementResendsTheSameSequenceNumbers) {
  dir.Write("a.log", Numbered(1, 3));
  std::string first;
  {
    auto agent = Make(Options());
    sender.script = {UnavailableError("ack lost")};
    Steps(*agent, 1);
    ASSERT_EQ(sender.frames.size(), 1u);
    first = sender.frames[0];
  }  // as if killed: nothing acknowledged
  auto agent = Make(Options());
  Steps(*agent, 1);
  ASSERT_EQ(sender.frames.size(), 2u);
  auto a = DecodeFrame(first);
  auto b = DecodeFrame(sender.frames[1]);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->records.size(), b->records.size());
  for (size_t i = 0; i < a->records.size(); ++i) {
    EXPECT_EQ(a->records[i].stream_id, b->records[i].stream_id);
    EXPECT_EQ(a->records[i].offset, b->records[i].offset);
  }
}

std::vector<std::string> NumberedLines(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back("line " + std::to_string(i));
  return out;
}

TEST_F(LogAgentTest, DiskBufferKeepsRecordsThroughOutageRestartAndADeletedFile) {
  auto o = Options();
  o.disk_buffer.enabled = true;
  o.disk_buffer.fsync = FsyncPolicy::kAlways;
  dir.Write("a.log", Numbered(1, 9));
  for (int i = 0; i < 50; ++i) sender.script.push_back(UnavailableError("server down"));
  {
    auto agent = Make(o);
    for (int i = 0; i < 6; ++i) {
      Steps(*agent, 1);
      clock.Advance(seconds(2));
    }
    // Spooled to disk, so the file's checkpoint moved although the server acknowledged nothing.
    EXPECT_EQ(CheckpointOffset(), Numbered(1, 9).size());
    EXPECT_TRUE(sender.stored.empty());
    EXPECT_EQ(metrics.RenderText().find("kelola_agent_disk_buffer_bytes 0"), std::string::npos);
  }  // the agent stops; logrotate deletes the file meanwhile
  std::filesystem::remove(dir.File("a.log"));
  sender.script.clear();
  auto agent = Make(o);
  for (int i = 0; i < 10; ++i) {
    Steps(*agent, 1);
    clock.Advance(seconds(2));
  }
  EXPECT_EQ(sender.Lines(), NumberedLines(1, 9));
  std::string text = metrics.RenderText();
  EXPECT_NE(text.find("kelola_agent_disk_buffer_bytes 0"), std::string::npos) << text;
  EXPECT_NE(text.find("kelola_agent_records_dropped_total 0"), std::string::npos);
}

TEST_F(LogAgentTest, FullDiskBufferPausesReadingAndLosesNothing) {
  auto o = Options();
  o.disk_buffer.enabled = true;
  o.disk_buffer.max_bytes = 1;  // full after one frame
  o.buffer_max_bytes = 20;
  dir.Write("a.log", Numbered(1, 12));
  for (int i = 0; i < 10; ++i) sender.script.push_back(UnavailableError("down"));
  auto agent = Make(o);
  for (int i = 0; i < 10; ++i) {
    Steps(*agent, 1);
    clock.Advance(seconds(2));
  }
  // One batch on disk, one cut in memory, a few queued: the rest still only in the file.
  EXPECT_LT(CheckpointOffset(), Numbered(1, 12).size());
  for (int i = 0; i < 40; ++i) {
    Steps(*agent, 1);
    clock.Advance(seconds(2));
  }
  EXPECT_EQ(sender.Lines(), NumberedLines(1, 12));
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 12).size());
}

TEST_F(LogAgentTest, IntervalFsyncAdvancesInputsOnlyAfterTheSync) {
  auto o = Options();
  o.disk_buffer.enabled = true;
  o.disk_buffer.fsync = FsyncPolicy::kInterval;
  o.disk_buffer.fsync_interval = seconds(5);
  dir.Write("a.log", Numbered(1, 3));
  for (int i = 0; i < 10; ++i) sender.script.push_back(UnavailableError("down"));
  auto agent = Make(o);
  Steps(*agent, 1);  // the first sync is due at once
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 3).size());
  dir.Append("a.log", Numbered(4, 6));
  clock.Advance(seconds(1));
  Steps(*agent, 1);
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 3).size());  // spooled but not yet synced
  clock.Advance(seconds(5));
  Steps(*agent, 1);
  EXPECT_EQ(CheckpointOffset(), Numbered(1, 6).size());
}

}  // namespace
}  // namespace kelola
