#include "logs/file_tailer.h"

#include <sys/stat.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

using std::chrono::seconds;

class FileTailerTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileTailer> Start(FileTailerOptions options = {}) {
    if (options.include.empty()) options.include = {dir.File("*.log")};
    auto cps = CheckpointStore::Open(dir.File("checkpoints"));
    EXPECT_TRUE(cps.ok()) << cps.status().ToString();
    checkpoints = std::make_unique<CheckpointStore>(std::move(*cps));
    auto t = FileTailer::Create(options, *checkpoints, clock);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return std::move(*t);
  }

  std::vector<LogRecord> Poll(FileTailer& t, size_t max_bytes = 1 << 20) {
    std::vector<LogRecord> out;
    Status s = t.Poll(max_bytes, out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  static std::vector<std::string> Texts(const std::vector<LogRecord>& records) {
    std::vector<std::string> texts;
    for (const auto& r : records) texts.push_back(r.text);
    return texts;
  }

  static void AckAll(FileTailer& t, const std::vector<LogRecord>& records) {
    for (const auto& r : records) t.Acknowledge(r.stream_id, r.end_offset);
    ASSERT_TRUE(t.CommitCheckpoints().ok());
  }

  ScratchDir dir;
  FakeClock clock;
  std::unique_ptr<CheckpointStore> checkpoints;
  using Texts_t = std::vector<std::string>;
};

TEST_F(FileTailerTest, FilesPresentAtStartupBeginAtTheirEndUnlessReadFromHead) {
  dir.Write("a.log", "old 1\nold 2\n");
  {
    auto t = Start();
    EXPECT_TRUE(Poll(*t).empty());
    dir.Append("a.log", "new 1\n");
    EXPECT_EQ(Texts(Poll(*t)), (Texts_t{"new 1"}));
  }
  dir.Remove("checkpoints");
  FileTailerOptions o;
  o.read_from_head = true;
  auto t = Start(o);
  auto records = Poll(*t);
  EXPECT_EQ(Texts(records), (Texts_t{"old 1", "old 2", "new 1"}));
  EXPECT_EQ(records[0].offset, 0u);
  EXPECT_EQ(records[1].offset, 6u);
  EXPECT_EQ(records[0].path, dir.File("a.log"));
  EXPECT_EQ(records[0].time_ms, UnixMillis(clock.Now()));
}

TEST_F(FileTailerTest, FilesCreatedLaterAreReadFromTheirHeadAndExcludesApply) {
  FileTailerOptions o;
  o.exclude = {"*skip*"};
  auto t = Start(o);
  EXPECT_TRUE(Poll(*t).empty());
  dir.Write("b.log", "b1\nb2\n");
  dir.Write("skip.log", "never\n");
  dir.Write("c.txt", "not matched\n");
  EXPECT_EQ(Texts(Poll(*t)), (Texts_t{"b1", "b2"}));
}

TEST_F(FileTailerTest, NewFileStartIsDurableBeforeItsRecordsAreReturned) {
  auto t = Start();
  Poll(*t);
  dir.Write("b.log", "b1\n");
  auto records = Poll(*t);
  ASSERT_EQ(records.size(), 1u);
  auto saved = CheckpointStore::Open(dir.File("checkpoints"));
  ASSERT_TRUE(saved.ok());
  auto all = saved->All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].stream_id, records[0].stream_id);
  EXPECT_EQ(all[0].offset, 0u);  // started, nothing acknowledged yet
}

TEST_F(FileTailerTest, CheckpointMovesOnlyAfterAcknowledgementSoRestartRereadsUnackedLines) {
  FileTailerOptions o;
  o.read_from_head = true;
  dir.Write("a.log", "1\n2\n3\n");
  std::string stream;
  {
    auto t = Start(o);
    auto records = Poll(*t);
    ASSERT_EQ(records.size(), 3u);
    stream = records[0].stream_id;
    t->Acknowledge(stream, records[0].end_offset);  // only "1" was stored by the server
    ASSERT_TRUE(t->CommitCheckpoints().ok());
  }
  {
    auto t = Start(o);  // as after kill -9: in-memory state is gone
    auto records = Poll(*t);
    EXPECT_EQ(Texts(records), (Texts_t{"2", "3"}));
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0].stream_id, stream);  // same sequence space: the server drops duplicates
    EXPECT_EQ(records[0].offset, 2u);
    dir.Append("a.log", "4\n");
    EXPECT_EQ(Texts(Poll(*t)), (Texts_t{"4"}));
  }
}

TEST_F(FileTailerTest, RenameRotationReadsTheOldFileToItsEndThenTheNewOne) {
  FileTailerOptions o;
  o.rotated_grace = seconds(5);
  auto t = Start(o);
  Poll(*t);
  dir.Write("app.log", "1\n2\n");
  EXPECT_EQ(Texts(Poll(*t)), (Texts_t{"1", "2"}));
  dir.Rename("app.log", "app.log.1");  // logrotate: the glob no longer matches it
  dir.Append("app.log.1", "3\n");      // the application still writes to its open fd
  dir.Write("app.log", "4\n");         // and then reopens the path
  auto records = Poll(*t);
  std::sort(records.begin(), records.end(), [](auto& a, auto& b) { return a.text < b.text; });
  EXPECT_EQ(Texts(records), (Texts_t{"3", "4"}));
  EXPECT_NE(records[0].stream_id, records[1].stream_id);
  EXPECT_EQ(t->Files().size(), 2u);
  clock.Advance(seconds(4));
  Poll(*t);
  EXPECT_EQ(t->Files().size(), 2u);  // still within the grace period
  clock.Advance(seconds(1));
  Poll(*t);
  ASSERT_EQ(t->Files().size(), 1u);
  EXPECT_EQ(t->Files()[0].path, dir.File("app.log"));
}

TEST_F(FileTailerTest, RotatedFileCheckpointIsKeptUntilAcknowledgedThenForgotten) {
  FileTailerOptions o;
  o.rotated_grace = seconds(1);
  auto t = Start(o);
  Poll(*t);
  dir.Write("app.log", "1\n");
  auto first = Poll(*t);
  dir.Rename("app.log", "app.log.1");
  clock.Advance(seconds(2));
  Poll(*t);
  EXPECT_TRUE(t->Files().empty());
  ASSERT_TRUE(t->CommitCheckpoints().ok());
  EXPECT_EQ(checkpoints->size(), 1u);  // its records are still in flight
  AckAll(*t, first);
  EXPECT_EQ(checkpoints->size(), 0u);
}

TEST_F(FileTailerTest, CopyTruncateStartsANewStreamFromOffsetZero) {
  auto t = Start();
  Poll(*t);
  dir.Write("app.log", "1\n2\n3\n");
  auto before = Poll(*t);
  ASSERT_EQ(before.size(), 3u);
  dir.CopyTruncate("app.log", "app.log.1.txt");
  dir.Append("app.log", "4\n");
  auto after = Poll(*t);
  EXPECT_EQ(Texts(after), (Texts_t{"4"}));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].offset, 0u);
  EXPECT_NE(after[0].stream_id, before[0].stream_id);
  EXPECT_EQ(t->counters().truncations, 1u);
}

TEST_F(FileTailerTest, CopyTruncateFollowedByMoreDataThanBeforeIsDetectedByTheFingerprint) {
  auto t = Start();
  Poll(*t);
  dir.Write("app.log", "aaaa 1\n");
  EXPECT_EQ(Poll(*t).size(), 1u);
  dir.CopyTruncate("app.log", "app.log.1.txt");
  dir.Append("app.log", "bbbb 2\nbbbb 3\n");  // already longer than the read position
  EXPECT_EQ(Texts(Poll(*t)), (Texts_t{"bbbb 2", "bbbb 3"}));
  EXPECT_EQ(t->counters().truncations, 1u);
}

TEST_F(FileTailerTest, ReusedInodeIsANewFileNotResumedAtTheOldOffset) {
  dir.Write("app.log", "new content 1\nnew content 2\n");
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("app.log").c_str(), &st), 0);
  {
    // A checkpoint left by an earlier file that had this inode.
    auto cps = CheckpointStore::Open(dir.File("checkpoints"));
    ASSERT_TRUE(cps.ok());
    Checkpoint cp;
    cp.stream_id = "00000000000000aa";
    cp.identity.device = st.st_dev;
    cp.identity.inode = st.st_ino;
    cp.identity.fingerprint_bytes = 14;
    cp.identity.fingerprint = Fnv1a64("old content 1\n");
    cp.offset = 14;
    cp.path = dir.File("app.log");
    cps->Put(cp);
    ASSERT_TRUE(cps->Save().ok());
  }
  auto t = Start();  // read_from_head is off, yet this file must be read whole
  auto records = Poll(*t);
  EXPECT_EQ(Texts(records), (Texts_t{"new content 1", "new content 2"}));
  ASSERT_FALSE(records.empty());
  EXPECT_NE(records[0].stream_id, "00000000000000aa");
  EXPECT_EQ(t->counters().inode_reuses, 1u);
}

TEST_F(FileTailerTest, ByteBudgetPausesReadingWithoutLosingData) {
  FileTailerOptions o;
  o.read_from_head = true;
  dir.Write("a.log", "0123456789\nabcdefghij\n");
  auto t = Start(o);
  EXPECT_TRUE(Poll(*t, 0).empty());
  EXPECT_EQ(Texts(Poll(*t, 15)), (Texts_t{"0123456789"}));
  EXPECT_EQ(Texts(Poll(*t, 15)), (Texts_t{"abcdefghij"}));
}

TEST_F(FileTailerTest, OverlongLinesAreSplitAndFlagged) {
  FileTailerOptions o;
  o.read_from_head = true;
  o.max_line_bytes = 8;
  dir.Write("a.log", std::string(20, 'x') + "\nok\n");
  auto t = Start(o);
  auto records = Poll(*t);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(records[0].split);
  EXPECT_TRUE(records[1].split);
  EXPECT_FALSE(records[2].split);
  EXPECT_EQ(records[2].text, "xxxx");
  EXPECT_EQ(records[3].text, "ok");
  EXPECT_EQ(t->counters().split_lines, 2u);
}

TEST_F(FileTailerTest, MultilineEventsAreJoinedAndTheLastOneFlushedWhenIdle) {
  FileTailerOptions o;
  o.read_from_head = true;
  o.multiline_start = R"(^\d{4}-)";
  o.multiline_idle = seconds(2);
  dir.Write("a.log", "2026- ERROR x\n\tat a\n\tat b\n2026- INFO y\n");
  auto t = Start(o);
  auto records = Poll(*t);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].text, "2026- ERROR x\n\tat a\n\tat b");
  EXPECT_TRUE(Poll(*t).empty());
  clock.Advance(seconds(2));
  records = Poll(*t);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].text, "2026- INFO y");
}

TEST_F(FileTailerTest, BadOptionsAreRejected) {
  auto cps = CheckpointStore::Open(dir.File("cp"));
  FileTailerOptions o;
  EXPECT_EQ(FileTailer::Create(o, *cps, clock).status().code(), StatusCode::kInvalidArgument);
  o.include = {"*.log"};
  o.multiline_start = "(";
  EXPECT_EQ(FileTailer::Create(o, *cps, clock).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola
