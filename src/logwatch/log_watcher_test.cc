// LogWatcher against a real LogStore and a real SQLite store, on a
// FakeClock: an AlertRule's detector sees the lines stored after the
// watcher started and its Detections become alert signals, active while
// the condition holds and inactive once (when it stops, or the rule goes).
#include "logwatch/log_watcher.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

class LogWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(harness::TempDir::Create("logwatch").value());
    LogStoreOptions o;
    o.dir = dir_->File("logs");
    o.fsync = false;
    logs_ = std::move(LogStore::Open(o, clock_).value());
    store_ = std::move(OpenSqliteStore(dir_->File("kelola.db"), clock_).value());
  }

  void PutRule(const std::string& name, const std::string& spec_json) {
    Resource r;
    r.kind = "AlertRule";
    r.name = name;
    r.spec_json = spec_json;
    ASSERT_TRUE(store_->PutResource(r, {}).ok());
  }

  void Ship(const std::string& service, const std::string& level, int n) {
    LogBatch b;
    b.agent = "web-1";
    b.labels = {{"service", service}};
    for (int i = 0; i < n; ++i) {
      LogRecord r;
      r.stream_id = "00000000000000" + std::string(service == "api" ? "a1" : "b2");
      r.path = "/var/log/" + service + ".log";
      r.offset = next_offset_;
      r.end_offset = ++next_offset_;
      r.time_ms = UnixMillis(clock_.Now());
      r.level = level;
      r.text = level + " line " + std::to_string(r.offset);
      b.records.push_back(std::move(r));
    }
    ASSERT_TRUE(logs_->Append(b).ok());
  }

  LogWatcher Make() {
    return LogWatcher(
        *logs_, *store_, clock_, [this](AlertSignal s) { signals_.push_back(std::move(s)); },
        LogWatcherOptions{.external_url = "https://kelola.example"});
  }

  // Steps past the next evaluation.
  void Pass(LogWatcher& w, Duration advance = std::chrono::seconds(1)) {
    clock_.Advance(advance);
    ASSERT_TRUE(w.Step().ok());
  }

  FakeClock clock_;
  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<LogStore> logs_;
  std::unique_ptr<kelola::Store> store_;
  std::vector<AlertSignal> signals_;
  uint64_t next_offset_ = 0;
};

constexpr const char* kFrequencyRule =
    R"({"selector":{"service":"api"},"level":"error","groupBy":["service"],)"
    R"("detector":{"type":"frequency","threshold":5,"bucket":"10s","timeframe":"1m"},)"
    R"("severity":"critical","labels":{"team":"payments"},"annotations":{"runbook":"https://wiki/api"}})";

TEST_F(LogWatcherTest, ARulesConditionBecomesAnActiveSignalThenOneInactiveOne) {
  Ship("api", "error", 50);  // before the watcher: not its business
  PutRule("api-errors", kFrequencyRule);
  LogWatcher w = Make();
  ASSERT_TRUE(w.Step().ok());
  EXPECT_TRUE(signals_.empty());

  Ship("api", "error", 3);
  Ship("api", "info", 20);   // below the rule's level
  Ship("web", "error", 20);  // another service
  Pass(w);
  EXPECT_TRUE(signals_.empty()) << "3 errors are below the threshold of 5";

  Ship("api", "error", 3);
  Pass(w);
  ASSERT_EQ(signals_.size(), 1u);
  const AlertSignal& s = signals_[0];
  EXPECT_TRUE(s.active);
  EXPECT_EQ(s.labels.at("alertname"), "api-errors");
  EXPECT_EQ(s.labels.at("service"), "api");
  EXPECT_EQ(s.labels.at("team"), "payments");
  EXPECT_EQ(s.labels.at("severity"), "critical");
  EXPECT_EQ(s.annotations.at("runbook"), "https://wiki/api");
  EXPECT_EQ(s.annotations.at("value"), "6");
  EXPECT_FALSE(s.annotations.at("summary").empty());
  EXPECT_EQ(s.generator_url, "https://kelola.example/v1/alertrules/api-errors");

  signals_.clear();
  Pass(w, std::chrono::minutes(3));  // the errors left the window
  ASSERT_EQ(signals_.size(), 1u);
  EXPECT_FALSE(signals_[0].active);
  EXPECT_EQ(signals_[0].labels.at("service"), "api");
  signals_.clear();
  Pass(w);
  EXPECT_TRUE(signals_.empty()) << "inactive is said once";
}

TEST_F(LogWatcherTest, DeletingARuleResolvesWhatItHadActive) {
  PutRule("api-errors", kFrequencyRule);
  LogWatcher w = Make();
  ASSERT_TRUE(w.Step().ok());
  Ship("api", "error", 10);
  Pass(w);
  ASSERT_EQ(signals_.size(), 1u);
  ASSERT_TRUE(signals_[0].active);
  signals_.clear();
  ASSERT_TRUE(store_->DeleteResource("AlertRule", "api-errors", {}).ok());
  Pass(w);  // the change event makes the next pass re-read the rules
  ASSERT_EQ(signals_.size(), 1u);
  EXPECT_FALSE(signals_[0].active);
  EXPECT_EQ(signals_[0].labels.at("alertname"), "api-errors");
}

TEST_F(LogWatcherTest, ANewErrorTemplateFiresPerTemplateFromTheMinersField) {
  PutRule("new-errors",
          R"({"level":"error","groupBy":["service","template"],"detector":{"type":"new_term","holdFor":"10m"}})");
  LogWatcher w = Make();
  ASSERT_TRUE(w.Step().ok());
  LogBatch b;
  b.agent = "web-1";
  b.labels = {{"service", "api"}};
  for (int i = 0; i < 2; ++i) {
    LogRecord r;
    r.stream_id = "00000000000000c3";
    r.offset = next_offset_;
    r.end_offset = ++next_offset_;
    r.time_ms = UnixMillis(clock_.Now());
    r.level = "error";
    r.text = "boom";
    r.fields["template_id"] = "T" + std::to_string(7 + i);
    b.records.push_back(r);
  }
  ASSERT_TRUE(logs_->Append(b).ok());
  Pass(w);
  ASSERT_EQ(signals_.size(), 2u);
  std::set<std::string> templates;
  for (const auto& s : signals_) templates.insert(s.labels.at("template"));
  EXPECT_EQ(templates, (std::set<std::string>{"T7", "T8"}));
}

}  // namespace
}  // namespace kelola
