#include "logs/sink_forwarder.h"

#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

// A scripted sink: records what it stored (by line text), fails while
// `down` is set, and refuses records whose text contains "bad".
class FakeSink final : public LogSink {
 public:
  std::string_view Kind() const override { return "fake"; }
  Result<SinkDelivery> Deliver(const std::vector<StoredRecord>& records) override {
    std::lock_guard lock(mu);
    ++calls;
    if (down) return UnavailableError("fake sink is down");
    SinkDelivery d;
    for (const auto& r : records) {
      if (r.record.text.find("bad") != std::string::npos) {
        d.dead_letters.push_back({r.id, 400, "mapper_parsing_exception: bad field"});
        continue;
      }
      ++stored[r.record.text];  // counts duplicates, which must never happen
      ++d.sent;
    }
    d.retried = retried_per_call;
    return d;
  }
  std::mutex mu;
  bool down = false;
  int calls = 0;
  uint64_t retried_per_call = 0;
  std::map<std::string, int> stored;
};

LogBatch Numbered(int first, int count, const std::string& stream = "00000000000000a1") {
  LogBatch b;
  b.agent = "web-1";
  for (int i = first; i < first + count; ++i) {
    LogRecord r;
    r.stream_id = stream;
    r.path = "/var/log/app.log";
    r.offset = static_cast<uint64_t>(i) * 100;
    r.end_offset = r.offset + 100;
    r.time_ms = 1'700'000'000'000 + i;
    r.text = (i % 10 == 7 ? "bad " : "line ") + std::to_string(i);
    b.records.push_back(r);
  }
  return b;
}

class SinkForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogStoreOptions o;
    o.dir = dir.File("logs");
    o.fsync = false;
    auto s = LogStore::Open(o, clock);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store = std::move(*s);
  }
  std::unique_ptr<SinkForwarder> Make(FakeSink*& fake, size_t batch = 10) {
    auto sink = std::make_unique<FakeSink>();
    fake = sink.get();
    SinkForwarderOptions o;
    o.name = "es";
    o.state_dir = dir.File("sinks/es");
    o.batch_records = batch;
    o.initial_backoff = std::chrono::seconds(1);
    o.max_backoff = std::chrono::seconds(8);
    auto f = SinkForwarder::Create(*store, std::move(sink), o, clock, &sink_metrics, [] { return 0.5; });
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(*f) : nullptr;
  }
  ScratchDir dir;
  FakeClock clock;
  MetricsRegistry registry;
  SinkMetrics sink_metrics{registry};
  std::unique_ptr<LogStore> store;
};

TEST_F(SinkForwarderTest, DeliversEverythingOnceAndDeadLettersWithReason) {
  ASSERT_TRUE(store->Append(Numbered(0, 25)).ok());
  FakeSink* fake = nullptr;
  auto f = Make(fake);
  EXPECT_EQ(f->Stats().lag, 25u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f->Step().outcome, SinkForwarder::Outcome::kDelivered);
  EXPECT_EQ(f->Step().outcome, SinkForwarder::Outcome::kIdle);
  auto st = f->Stats();
  EXPECT_EQ(st.cursor, 25u);
  EXPECT_EQ(st.lag, 0u);
  EXPECT_EQ(st.sent, 23u);  // lines 7 and 17 are "bad"
  EXPECT_EQ(st.dead_lettered, 2u);
  EXPECT_EQ(fake->stored.size(), 23u);
  for (const auto& [text, n] : fake->stored) EXPECT_EQ(n, 1) << text;

  auto letters = f->dead_letters().Read(0, 100);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].text, "bad 7");
  EXPECT_EQ((*letters)[0].http_status, 400);
  EXPECT_EQ((*letters)[0].reason, "mapper_parsing_exception: bad field");
  EXPECT_EQ((*letters)[1].text, "bad 17");
  EXPECT_EQ((*letters)[1].sink, "es");

  std::string text = registry.RenderText();
  EXPECT_NE(text.find(R"(kelola_log_sink_records_total{sink="es",outcome="sent"} 23)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(kelola_log_sink_records_total{sink="es",outcome="dead_lettered"} 2)"), std::string::npos);
  EXPECT_NE(text.find(R"(kelola_log_sink_lag_records{sink="es"} 0)"), std::string::npos);
}

TEST_F(SinkForwarderTest, BacksOffExponentiallyWithJitterAndResumesWithoutLossOrDuplicates) {
  ASSERT_TRUE(store->Append(Numbered(0, 5)).ok());
  FakeSink* fake = nullptr;
  auto f = Make(fake);
  fake->down = true;
  // Full jitter at 0.5 of 1 s, 2 s, 4 s, 8 s, then capped at 8 s.
  std::vector<Duration> waits;
  for (int i = 0; i < 5; ++i) {
    auto r = f->Step();
    EXPECT_EQ(r.outcome, SinkForwarder::Outcome::kFailed);
    waits.push_back(r.wait);
  }
  using std::chrono::milliseconds;
  EXPECT_EQ(waits, (std::vector<Duration>{milliseconds(500), milliseconds(1000), milliseconds(2000), milliseconds(4000),
                                          milliseconds(4000)}));
  auto st = f->Stats();
  EXPECT_EQ(st.cursor, 0u);
  EXPECT_EQ(st.lag, 5u);
  EXPECT_EQ(st.batch_retries, 5u);
  EXPECT_EQ(st.consecutive_failures, 5u);
  EXPECT_NE(st.last_error.find("fake sink is down"), std::string::npos) << st.last_error;
  EXPECT_NE(registry.RenderText().find(R"(kelola_log_sink_failures_total{sink="es",code="UNAVAILABLE"} 5)"),
            std::string::npos)
      << registry.RenderText();

  // More lines arrive while the sink is down; then it comes back.
  ASSERT_TRUE(store->Append(Numbered(5, 10)).ok());
  fake->down = false;
  while (f->Step().outcome == SinkForwarder::Outcome::kDelivered) {
  }
  st = f->Stats();
  EXPECT_EQ(st.cursor, 15u);
  EXPECT_EQ(st.consecutive_failures, 0u);
  EXPECT_EQ(st.sent + st.dead_lettered, 15u);
  for (int i = 0; i < 15; ++i) {
    if (i % 10 == 7) continue;
    EXPECT_EQ(fake->stored["line " + std::to_string(i)], 1) << i;
  }
}

TEST_F(SinkForwarderTest, CursorAndDeadLettersSurviveARestart) {
  ASSERT_TRUE(store->Append(Numbered(0, 12)).ok());
  FakeSink* fake = nullptr;
  {
    auto f = Make(fake);
    EXPECT_EQ(f->Step().outcome, SinkForwarder::Outcome::kDelivered);  // 1..10
    EXPECT_EQ(f->Stats().cursor, 10u);
  }
  auto f = Make(fake);  // a new process: fresh sink, cursor from the file
  EXPECT_EQ(f->Stats().cursor, 10u);
  EXPECT_EQ(f->Stats().lag, 2u);
  EXPECT_EQ(f->dead_letters().count(), 1u);
  EXPECT_EQ(f->Step().outcome, SinkForwarder::Outcome::kDelivered);
  EXPECT_EQ(fake->stored.size(), 2u);
  EXPECT_EQ(fake->stored.count("line 10"), 1u);
  EXPECT_EQ(fake->stored.count("line 11"), 1u);
}

// A store whose every append seals a segment, with the given limits.
std::unique_ptr<LogStore> SmallSegmentStore(const std::string& dir, Clock& clock, uint64_t retention_bytes) {
  LogStoreOptions o;
  o.dir = dir;
  o.fsync = false;
  o.segment_max_bytes = 1;
  o.retention_bytes = retention_bytes;
  o.retention_age = std::chrono::hours(1);
  auto s = LogStore::Open(o, clock);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST_F(SinkForwarderTest, RecordsPastTheirAgeWaitForASinkThatIsDown) {
  store = SmallSegmentStore(dir.File("held"), clock, 0);
  FakeSink* fake = nullptr;
  auto f = Make(fake);
  fake->down = true;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->Append(Numbered(i * 2, 2)).ok());
  EXPECT_EQ(f->Step().outcome, SinkForwarder::Outcome::kFailed);
  clock.Advance(std::chrono::hours(3));  // every record is now past retention_age
  ASSERT_TRUE(store->ApplyRetention().ok());
  EXPECT_EQ(store->Stats().first_id, 1u);
  fake->down = false;
  EXPECT_EQ(f->Step().outcome, SinkForwarder::Outcome::kDelivered);
  EXPECT_EQ(fake->stored.size(), 6u);
  EXPECT_EQ(f->Stats().expired, 0u);
  ASSERT_TRUE(store->ApplyRetention().ok());  // delivered: now age may delete
  EXPECT_EQ(store->Stats().segments, 1u);
}

TEST_F(SinkForwarderTest, RecordsTheSizeLimitDeletedFirstAreCountedAsExpiredNotSilentlySkipped) {
  store = SmallSegmentStore(dir.File("bounded"), clock, 1);  // keeps only the active segment
  FakeSink* fake = nullptr;
  auto f = Make(fake);
  fake->down = true;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store->Append(Numbered(i * 2, 2)).ok());  // ids 1..8
  EXPECT_EQ(store->Stats().first_id, 7u);
  fake->down = false;
  EXPECT_EQ(f->Step().outcome, SinkForwarder::Outcome::kDelivered);
  auto st = f->Stats();
  EXPECT_EQ(st.expired, 6u);
  EXPECT_EQ(st.sent, 1u);           // line 6
  EXPECT_EQ(st.dead_lettered, 1u);  // bad 7
  EXPECT_EQ(st.cursor, 8u);
  EXPECT_EQ(fake->stored.count("line 6"), 1u);
  std::string text = registry.RenderText();
  EXPECT_NE(text.find(R"(kelola_log_sink_records_total{sink="es",outcome="expired"} 6)"), std::string::npos) << text;
  f.reset();  // the skip was persisted: a restart does not count it again
  f = Make(fake);
  EXPECT_EQ(f->Stats().cursor, 8u);
  EXPECT_EQ(f->Step().outcome, SinkForwarder::Outcome::kIdle);
  EXPECT_EQ(f->Stats().expired, 0u);
}

TEST(DeadLetterLogTest, SkipsRecordsAlreadyStoredAndIgnoresATornTail) {
  ScratchDir dir;
  std::string path = dir.File("dl.jsonl");
  StoredRecord r;
  r.id = 4;
  r.record.text = "x";
  {
    auto log = DeadLetterLog::Open(path, "es");
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append({{4, 400, "why"}}, {r}, 1).ok());
    // The same batch offered again after a crash before the cursor moved.
    ASSERT_TRUE((*log)->Append({{4, 400, "why"}}, {r}, 2).ok());
    EXPECT_EQ((*log)->count(), 1u);
  }
  dir.Append("dl.jsonl", R"({"sink":"es","record_id":9,"rea)");  // torn by a crash
  auto log = DeadLetterLog::Open(path, "es");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->count(), 1u);
  r.id = 5;
  ASSERT_TRUE((*log)->Append({{5, 409, "other"}}, {r}, 3).ok());
  auto all = (*log)->Read(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].record_id, 5u);
  EXPECT_EQ((*all)[1].reason, "other");
  auto after = (*log)->Read(4, 10);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 1u);
}

TEST(SinkForwarderThreadTest, ForwardsNewRecordsAsTheyArrive) {
  // Real time here: the thread waits on the store for new records.
  ScratchDir dir;
  LogStoreOptions so;
  so.dir = dir.File("logs");
  so.fsync = false;
  auto opened = LogStore::Open(so, SystemClock());
  ASSERT_TRUE(opened.ok());
  auto& store = *opened;
  auto sink = std::make_unique<FakeSink>();
  FakeSink* fake = sink.get();
  SinkForwarderOptions o;
  o.name = "es";
  o.state_dir = dir.File("sinks/es");
  o.idle_wait = std::chrono::milliseconds(50);
  auto made = SinkForwarder::Create(*store, std::move(sink), o, SystemClock(), nullptr);
  ASSERT_TRUE(made.ok());
  auto& f = *made;
  f->Start();
  ASSERT_TRUE(store->Append(Numbered(0, 30)).ok());
  // The forwarder wakes on the store's append; wait for the condition.
  for (int i = 0; i < 2000 && f->Stats().cursor < 30; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  f->Stop();
  EXPECT_EQ(f->Stats().cursor, 30u);
  EXPECT_EQ(f->Stats().sent, 27u);
  EXPECT_EQ(fake->stored.size(), 27u);
}

}  // namespace
}  // namespace kelola
