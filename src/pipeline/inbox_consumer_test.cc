#include "pipeline/inbox_consumer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/run_queue.h"

namespace kelola {
namespace {

class InboxConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(":memory:", clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  void PutPipeline(const std::string& name, const std::string& spec) {
    Resource r;
    r.kind = "Pipeline";
    r.name = name;
    r.spec_json = spec;
    ASSERT_TRUE(store_->PutResource(r, PutOptions{}).ok());
  }

  void Deliver(const std::string& id, const std::string& branch, const std::string& sha,
               const std::string& pipelines = R"(["app"])") {
    InboxEntry e;
    e.source = "github";
    e.delivery_id = id;
    e.event = "push";
    e.pipelines_json = pipelines;
    e.payload = nlohmann::json{{"ref", "refs/heads/" + branch},
                               {"after", sha},
                               {"repository", {{"full_name", "acme/app"}, {"clone_url", "https://x/acme/app.git"}}},
                               {"commits", nlohmann::json::array()}}
                    .dump();
    ASSERT_TRUE(store_->AddInboxEntry(e).value());
  }

  std::vector<kelola::Run> Runs() {
    std::vector<kelola::Run> out;
    const std::vector<RunRecord> records = store_->ListRuns(RunFilter{"", "", true, 0, 0, 100}).value();
    for (const auto& rec : records) {
      out.push_back(RunFromRecord(rec).value());
    }
    return out;
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(InboxConsumerTest, QueuesMatchingPushesOnceAndRecordsTheOutcome) {
  PutPipeline("app", R"({"forge":"github","repository":"acme/app","webhookSecret":"s","branches":["main"]})");
  Deliver("d1", "main", "1111111111111111111111111111111111111111");
  Deliver("d2", "feature", "2222222222222222222222222222222222222222");
  InboxConsumer consumer(*store_, clock_);
  ASSERT_TRUE(consumer.Reconcile(kInboxKey).ok());
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].sha, "1111111111111111111111111111111111111111");
  EXPECT_EQ(runs[0].ref, "refs/heads/main");
  EXPECT_EQ(runs[0].delivery_id, "d1");
  EXPECT_EQ(runs[0].status, "queued");
  EXPECT_EQ(runs[0].clone_url, "https://x/acme/app.git");
  EXPECT_TRUE(store_->ListInbox(InboxFilter{}).value().empty());
  EXPECT_NE(store_->GetInboxEntry("github", "d2").value().outcome.find("skipped"), std::string::npos);

  // Processing the same entry again (a crash before it was marked) queues nothing new.
  ASSERT_TRUE(consumer.Process(store_->GetInboxEntry("github", "d1").value()).ok());
  EXPECT_EQ(Runs().size(), 1u);
}

TEST_F(InboxConsumerTest, CancelPreviousCancelsOlderRunsOfTheBranch) {
  PutPipeline("app", R"({"forge":"github","repository":"acme/app","webhookSecret":"s","cancelPrevious":true})");
  InboxConsumer consumer(*store_, clock_);
  Deliver("d1", "main", "1111111111111111111111111111111111111111");
  ASSERT_TRUE(consumer.Reconcile(kInboxKey).ok());
  Deliver("d2", "other", "3333333333333333333333333333333333333333");
  Deliver("d3", "main", "2222222222222222222222222222222222222222");
  ASSERT_TRUE(consumer.Reconcile(kInboxKey).ok());
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].status, "cancelled");
  EXPECT_NE(runs[0].reason.find("superseded"), std::string::npos);
  EXPECT_EQ(runs[1].status, "queued");  // another branch
  EXPECT_EQ(runs[2].status, "queued");
}

TEST_F(InboxConsumerTest, BadPayloadsAndDeletedPipelinesAreRecordedNotRetried) {
  InboxEntry bad;
  bad.source = "github";
  bad.delivery_id = "bad";
  bad.event = "push";
  bad.pipelines_json = R"(["app"])";
  bad.payload = R"({"ref":"refs/heads/main"})";
  ASSERT_TRUE(store_->AddInboxEntry(bad).value());
  Deliver("gone", "main", "1111111111111111111111111111111111111111", R"(["deleted-one"])");
  InboxConsumer consumer(*store_, clock_);
  ASSERT_TRUE(consumer.Reconcile(kInboxKey).ok());
  EXPECT_NE(store_->GetInboxEntry("github", "bad").value().outcome.find("rejected"), std::string::npos);
  EXPECT_NE(store_->GetInboxEntry("github", "gone").value().outcome.find("deleted"), std::string::npos);
  EXPECT_TRUE(Runs().empty());
}

TEST_F(InboxConsumerTest, CancelAndRetry) {
  PutPipeline("app", R"({"forge":"github","repository":"acme/app","webhookSecret":"s"})");
  Deliver("d1", "main", "1111111111111111111111111111111111111111");
  InboxConsumer consumer(*store_, clock_);
  ASSERT_TRUE(consumer.Reconcile(kInboxKey).ok());
  const std::string id = Runs()[0].id;
  EXPECT_EQ(RetryRun(*store_, id).status().code(), StatusCode::kFailedPrecondition);  // still queued
  auto cancelled = CancelRun(*store_, clock_, id, "cancelled by tester");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_TRUE(cancelled->finished_at.has_value());
  EXPECT_EQ(CancelRun(*store_, clock_, id, "again").status().code(), StatusCode::kFailedPrecondition);
  auto retry = RetryRun(*store_, id);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->status, "queued");
  EXPECT_EQ(retry->retry_of, id);
  EXPECT_EQ(retry->sha, "1111111111111111111111111111111111111111");
  EXPECT_GT(retry->seq, cancelled->seq);

  // A running run only gets cancel_requested: the runner stops it.
  RunRecord rec = store_->GetRun(retry->id).value();
  rec.status = "running";
  ASSERT_TRUE(store_->UpdateRun(rec, rec.version).ok());
  auto requested = CancelRun(*store_, clock_, retry->id, "stop");
  ASSERT_TRUE(requested.ok());
  EXPECT_EQ(requested->status, "running");
  EXPECT_TRUE(requested->cancel_requested);
}

}  // namespace
}  // namespace kelola
