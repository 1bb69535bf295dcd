#include "logs/log_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "logs/log_store_block.h"
#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

LogBatch Batch(const std::string& agent, const std::string& stream, const std::string& path, uint64_t first_line,
               int count, int64_t time_ms) {
  LogBatch b;
  b.agent = agent;
  b.labels = {{"service", "api"}};
  for (int i = 0; i < count; ++i) {
    LogRecord r;
    r.stream_id = stream;
    r.path = path;
    r.text = "line " + std::to_string(first_line + i);
    r.offset = (first_line + i) * 10;
    r.end_offset = r.offset + 10;
    r.time_ms = time_ms + i;
    b.records.push_back(r);
  }
  return b;
}

std::vector<std::string> Texts(const LogQueryResult& r) {
  std::vector<std::string> out;
  for (const auto& s : r.records) out.push_back(s.record.text);
  return out;
}

class LogStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogStore> Open(LogStoreOptions o = {}) {
    o.dir = dir.File("logs");
    auto s = LogStore::Open(o, clock);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  ScratchDir dir;
  FakeClock clock;
};

TEST_F(LogStoreTest, AppendThenQueryByLabelsTimeSubstringAndRegex) {
  auto store = Open();
  auto r = store->Append(Batch("web-1", "00000000000000a1", "/var/log/a.log", 0, 5, 1000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 5u);
  ASSERT_TRUE(store->Append(Batch("web-2", "00000000000000b2", "/var/log/b.log", 100, 3, 2000)).ok());

  auto all = store->Query({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->records.size(), 8u);
  EXPECT_EQ(all->records[0].id, 1u);
  EXPECT_EQ(all->records[7].id, 8u);
  EXPECT_EQ(all->records[5].agent, "web-2");
  EXPECT_EQ(all->records[5].labels.at("service"), "api");

  LogQuery by_agent;
  by_agent.labels = {{"agent", "web-2"}};
  EXPECT_EQ(Texts(*store->Query(by_agent)), (std::vector<std::string>{"line 100", "line 101", "line 102"}));
  LogQuery by_file;
  by_file.labels = {{"file", "/var/log/a.log"}, {"service", "api"}};
  EXPECT_EQ(store->Query(by_file)->records.size(), 5u);
  LogQuery wrong_label;
  wrong_label.labels = {{"service", "db"}};
  EXPECT_TRUE(store->Query(wrong_label)->records.empty());
  LogQuery by_time;
  by_time.from_ms = 1003;
  by_time.to_ms = 2001;
  EXPECT_EQ(Texts(*store->Query(by_time)), (std::vector<std::string>{"line 3", "line 4", "line 100"}));
  LogQuery by_text;
  by_text.contains = "line 10";
  EXPECT_EQ(store->Query(by_text)->records.size(), 3u);
  LogQuery by_regex;
  by_regex.regex = R"(line [34]$)";
  EXPECT_EQ(Texts(*store->Query(by_regex)), (std::vector<std::string>{"line 3", "line 4"}));
  LogQuery bad;
  bad.regex = "(";
  EXPECT_EQ(store->Query(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LogStoreTest, LimitAndCursorPageThroughResults) {
  auto store = Open();
  ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 0, 10, 0)).ok());
  LogQuery q;
  q.limit = 4;
  auto page = store->Query(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->records.size(), 4u);
  EXPECT_TRUE(page->more);
  q.after_id = page->last_id;
  page = store->Query(q);
  EXPECT_EQ(page->records.front().record.text, "line 4");
  q.after_id = 8;
  page = store->Query(q);
  EXPECT_EQ(page->records.size(), 2u);
  EXPECT_FALSE(page->more);
}

TEST_F(LogStoreTest, RetriedRecordsAreDroppedAsDuplicatesAlsoAfterReopen) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 0, 5, 0)).ok());
    auto again = store->Append(Batch("a", "00000000000000a1", "/f", 3, 4, 0));  // lines 3..6
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->duplicates, 2u);
    EXPECT_EQ(again->accepted, 2u);
    // Another agent's stream with the same id is not confused with it.
    EXPECT_EQ(store->Append(Batch("b", "00000000000000a1", "/f", 0, 1, 0))->accepted, 1u);
  }
  auto store = Open();
  auto retry = store->Append(Batch("a", "00000000000000a1", "/f", 0, 8, 0));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->duplicates, 7u);
  EXPECT_EQ(retry->accepted, 1u);
  auto all = store->Query({});
  EXPECT_EQ(all->records.size(), 9u);
  EXPECT_EQ(all->records.back().id, 9u);
}

TEST_F(LogStoreTest, LevelAndFieldsAreStoredAndFilterQueries) {
  auto store = Open();
  LogBatch b = Batch("web-1", "00000000000000a1", "/var/log/a.log", 0, 4, 1000);
  b.records[0].level = "debug";
  b.records[1].level = "warn";
  b.records[1].fields = {{"user", "ana"}};
  b.records[2].level = "fatal";
  b.records[2].fields = {{"user", "bob"}};
  ASSERT_TRUE(store->Append(b).ok());
  LogQuery q;
  q.min_level = "warn";
  auto r = store->Query(q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Texts(*r), (std::vector<std::string>{"line 1", "line 2"}));  // "line 3" has no level
  EXPECT_EQ(r->records[0].record.level, "warn");
  EXPECT_EQ(r->records[0].record.fields.at("user"), "ana");
  q.fields = {{"user", "bob"}};
  EXPECT_EQ(Texts(*store->Query(q)), (std::vector<std::string>{"line 2"}));
  q = {};
  q.min_level = "loud";
  EXPECT_EQ(store->Query(q).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LogStoreTest, OldVersion1BlocksAreStillReadable) {
  std::filesystem::create_directories(dir.File("logs"));
  auto old = EncodeBlock(Batch("web-1", "00000000000000a1", "/f", 0, 3, 1000), 1, 3, kFramePayloadV1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->substr(0, 4), "KLB1");
  {
    std::ofstream f(dir.File("logs/segment-00000000000000000001.kls"), std::ios::binary);
    f << *old;
  }
  auto store = Open();
  LogBatch b = Batch("web-1", "00000000000000a1", "/f", 3, 2, 2000);
  b.records[0].level = "error";
  auto r = store->Append(b);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 2u);
  EXPECT_EQ(store->Append(Batch("web-1", "00000000000000a1", "/f", 0, 3, 1000))->duplicates, 3u);
  auto all = store->Query({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Texts(*all), (std::vector<std::string>{"line 0", "line 1", "line 2", "line 3", "line 4"}));
  EXPECT_EQ(all->records[3].record.level, "error");
  EXPECT_EQ(store->Stats().corrupt_blocks, 0u);
}

std::string ReadSegments(const std::string& dir) {
  std::string all;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream f(e.path(), std::ios::binary);
    all += std::string(std::istreambuf_iterator<char>(f), {});
  }
  return all;
}

TEST_F(LogStoreTest, TheAgentsCompressedPayloadIsStoredAsIsUnlessPartIsADuplicate) {
  auto store = Open();
  // Level 1 at the agent, 3 in the store: a recompressed body would differ.
  auto frame = EncodeFrame(Batch("web-1", "00000000000000a1", "/f", 0, 5, 1000), 1);
  ASSERT_TRUE(frame.ok());
  auto as_sent = StorableFramePayload(*frame);
  ASSERT_TRUE(as_sent.has_value());
  auto decoded = DecodeFrame(*frame);
  ASSERT_TRUE(decoded.ok());
  auto r = store->Append(*decoded, &*as_sent);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 5u);
  EXPECT_NE(ReadSegments(dir.File("logs")).find(as_sent->zstd), std::string::npos);

  // A retry overlapping what is stored: only the new records, re-encoded.
  auto retry = EncodeFrame(Batch("web-1", "00000000000000a1", "/f", 3, 4, 1003), 1);
  ASSERT_TRUE(retry.ok());
  auto retry_sent = StorableFramePayload(*retry);
  ASSERT_TRUE(retry_sent.has_value());
  r = store->Append(*DecodeFrame(*retry), &*retry_sent);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 2u);
  EXPECT_EQ(r->duplicates, 2u);
  EXPECT_EQ(ReadSegments(dir.File("logs")).find(retry_sent->zstd), std::string::npos);

  std::vector<std::string> want = {"line 0", "line 1", "line 2", "line 3", "line 4", "line 5", "line 6"};
  EXPECT_EQ(Texts(*store->Query({})), want);
  store.reset();
  store = Open();  // checksums verified, marks rebuilt from both kinds of block
  EXPECT_EQ(Texts(*store->Query({})), want);
  EXPECT_EQ(store->Append(*decoded, &*as_sent)->duplicates, 5u);
  LogQuery q;
  q.from_ms = 1002;
  q.to_ms = 1004;
  EXPECT_EQ(Texts(*store->Query(q)), (std::vector<std::string>{"line 2", "line 3"}));
  EXPECT_EQ(store->Stats().corrupt_blocks, 0u);
}

TEST_F(LogStoreTest, AnnotatedBatchesKeepTheAgentsPayloadAndTheirFieldsSurviveReopen) {
  LogStoreOptions o;
  o.annotate = [](const LogRecord& r) { return "t" + r.text.substr(5); };
  auto store = Open(o);
  auto frame = EncodeFrame(Batch("web-1", "00000000000000a1", "/f", 0, 3, 1000), 1);
  ASSERT_TRUE(frame.ok());
  auto as_sent = StorableFramePayload(*frame);
  ASSERT_TRUE(as_sent.has_value());
  ASSERT_TRUE(store->Append(*DecodeFrame(*frame), &*as_sent).ok());
  // The template ids live in the block meta: the body is the agent's bytes.
  EXPECT_NE(ReadSegments(dir.File("logs")).find(as_sent->zstd), std::string::npos);
  for (int pass = 0; pass < 2; ++pass) {
    LogQuery q;
    q.fields["template_id"] = "t1";
    auto r = store->Query(q);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(Texts(*r), std::vector<std::string>{"line 1"}) << "pass " << pass;
    EXPECT_EQ(r->records[0].record.fields.at("template_id"), "t1");
    store.reset();
    store = Open();  // read back from disk, without the hook
  }
  EXPECT_EQ(store->Stats().corrupt_blocks, 0u);
}

TEST_F(LogStoreTest, TornBlockAtTheEndIsCutOffOnReopen) {
  std::string segment;
  {
    auto store = Open();
    ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 0, 3, 0)).ok());
    ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 3, 3, 0)).ok());
    for (const auto& e : std::filesystem::directory_iterator(dir.File("logs"))) segment = e.path().string();
  }
  auto size = std::filesystem::file_size(segment);
  std::filesystem::resize_file(segment, size - 7);  // a crash in the middle of the second append
  auto store = Open();
  EXPECT_EQ(store->Query({})->records.size(), 3u);
  EXPECT_GT(store->Stats().torn_bytes_truncated, 0u);
  // The agent re-sends the unacknowledged batch: it is stored, not taken for a duplicate.
  EXPECT_EQ(store->Append(Batch("a", "00000000000000a1", "/f", 3, 3, 0))->accepted, 3u);
  EXPECT_EQ(store->Query({})->records.size(), 6u);
}

TEST_F(LogStoreTest, RetentionBySizeDeletesOldestSealedSegments) {
  LogStoreOptions o;
  o.segment_max_bytes = 1;  // every append seals the segment before it
  o.retention_bytes = 1;
  o.retention_age = Duration::zero();
  auto store = Open(o);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", i, 1, 0)).ok());
  auto stats = store->Stats();
  EXPECT_EQ(stats.segments, 1u);  // the active one is never deleted
  EXPECT_EQ(stats.segments_deleted, 4u);
  EXPECT_EQ(Texts(*store->Query({})), (std::vector<std::string>{"line 4"}));
}

TEST_F(LogStoreTest, RetentionByAgeUsesRecordTimes) {
  LogStoreOptions o;
  o.retention_age = std::chrono::hours(1);
  o.segment_max_age = std::chrono::minutes(10);
  auto store = Open(o);
  int64_t now = UnixMillis(clock.Now());
  ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 0, 1, now)).ok());
  clock.Advance(std::chrono::minutes(30));
  ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 1, 1, now + 30 * 60'000)).ok());
  EXPECT_EQ(store->Stats().segments, 2u);
  clock.Advance(std::chrono::minutes(31));
  ASSERT_TRUE(store->ApplyRetention().ok());
  EXPECT_EQ(store->Stats().segments, 1u);
  EXPECT_EQ(Texts(*store->Query({})), (std::vector<std::string>{"line 1"}));
}

TEST_F(LogStoreTest, ARetentionHoldKeepsUndeliveredRecordsPastTheirAgeButNotPastTheSizeLimit) {
  LogStoreOptions o;
  o.retention_age = std::chrono::hours(1);
  o.segment_max_age = std::chrono::minutes(10);
  auto store = Open(o);
  int64_t now = UnixMillis(clock.Now());
  ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 0, 2, now)).ok());  // ids 1-2
  clock.Advance(std::chrono::minutes(30));
  ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 2, 1, now + 30 * 60'000)).ok());  // id 3
  store->HoldRetention("sink-a", 1);  // delivered id 1, not id 2
  clock.Advance(std::chrono::minutes(31));
  ASSERT_TRUE(store->ApplyRetention().ok());
  EXPECT_EQ(store->Stats().segments, 2u);
  EXPECT_EQ(store->Stats().segments_held, 1u);
  EXPECT_EQ(store->Stats().first_id, 1u);

  store->HoldRetention("sink-a", 2);  // now delivered: the old segment may go
  ASSERT_TRUE(store->ApplyRetention().ok());
  EXPECT_EQ(store->Stats().segments, 1u);
  EXPECT_EQ(store->Stats().first_id, 3u);
  EXPECT_EQ(store->Stats().segments_held, 0u);
}

TEST_F(LogStoreTest, TheSizeLimitDeletesEvenWhatAHoldWaitsFor) {
  LogStoreOptions o;
  o.segment_max_bytes = 1;
  o.retention_bytes = 1;
  o.retention_age = Duration::zero();
  auto store = Open(o);
  store->HoldRetention("slow-sink", 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", i, 1, 0)).ok());
  EXPECT_EQ(store->Stats().segments, 1u);
  EXPECT_EQ(store->Stats().first_id, 3u);  // the sink finds ids 1-2 gone and counts them
  store->ReleaseRetention("slow-sink");
}

TEST_F(LogStoreTest, WaitForNewerReturnsAtOnceWhenRecordsExistAndAtTheDeadlineOtherwise) {
  auto store = Open();
  EXPECT_EQ(store->WaitForNewer(0, clock.Monotonic()), 1u);  // deadline already reached
  ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 0, 2, 0)).ok());
  EXPECT_EQ(store->WaitForNewer(0, clock.Monotonic() + std::chrono::hours(1)), 3u);
}

TEST_F(LogStoreTest, EmptyOrAllDuplicateBatchWritesNothing) {
  auto store = Open();
  EXPECT_EQ(store->Append(LogBatch{})->accepted, 0u);
  EXPECT_EQ(store->Stats().segments, 0u);
}

TEST_F(LogStoreTest, AnnotateSeesEachStoredRecordOnceAndItsFieldsAreStored) {
  LogStoreOptions o;
  int calls = 0;
  o.annotate = [&calls](const LogRecord& r) {
    ++calls;
    return std::to_string(r.text.size());
  };
  auto store = Open(o);
  ASSERT_TRUE(store->Append(Batch("a", "00000000000000a1", "/f", 0, 3, 0)).ok());
  // lines 1..4: 1 and 2 are duplicates and are not annotated again.
  auto again = store->Append(Batch("a", "00000000000000a1", "/f", 1, 4, 0));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 2u);
  EXPECT_EQ(calls, 5);
  LogQuery q;
  q.fields["template_id"] = "6";  // "line 0".."line 4": six characters
  auto r = store->Query(q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 5u);
}

}  // namespace
}  // namespace kelola
