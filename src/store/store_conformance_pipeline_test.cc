// Store conformance suite, part 4: the webhook inbox and pipeline runs. See
// store_conformance.h.
#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store_conformance.h"

namespace kelola {
namespace {

using ::testing::HasSubstr;

InboxEntry MakeEntry(const std::string& delivery, const std::string& payload = R"({"ref":"refs/heads/main"})") {
  InboxEntry e;
  e.source = "github";
  e.delivery_id = delivery;
  e.event = "push";
  e.pipelines_json = R"(["app"])";
  e.payload = payload;
  return e;
}

RunRecord MakeRun(const std::string& id, const std::string& pipeline = "app") {
  RunRecord r;
  r.id = id;
  r.pipeline = pipeline;
  r.status = "queued";
  r.data_json = R"({"sha":"abc","ref":"refs/heads/main"})";
  return r;
}

TEST_P(StoreConformanceTest, InboxAddIsOncePerDeliveryAndAppendsAnEvent) {
  auto first = store().AddInboxEntry(MakeEntry("d-1"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  auto again = store().AddInboxEntry(MakeEntry("d-1", R"({"other":true})"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(*again);

  auto stored = store().GetInboxEntry("github", "d-1");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->payload, R"({"ref":"refs/heads/main"})");  // the replay did not overwrite it
  EXPECT_EQ(stored->event, "push");
  EXPECT_EQ(stored->pipelines_json, R"(["app"])");
  EXPECT_FALSE(stored->processed);
  EXPECT_GT(stored->seq, 0);

  auto events = store().ListEvents(EventFilter{0, "webhook.", "", 100});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].subject, "webhook/github/d-1");
  auto data = nlohmann::json::parse((*events)[0].data_json);
  EXPECT_EQ(data["seq"], stored->seq);
  EXPECT_EQ(data["event"], "push");

  // The same id from another forge is another delivery.
  InboxEntry gitlab = MakeEntry("d-1");
  gitlab.source = "gitlab";
  EXPECT_TRUE(store().AddInboxEntry(gitlab).value());
}

TEST_P(StoreConformanceTest, InboxPendingEntriesInArrivalOrderSurviveReopen) {
  for (const char* id : {"c", "a", "b"}) ASSERT_TRUE(store().AddInboxEntry(MakeEntry(id)).ok());
  ASSERT_TRUE(store().MarkInboxProcessed("github", "a", "queued 1 run").ok());
  Reopen();
  auto pending = store().ListInbox(InboxFilter{});
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].delivery_id, "c");
  EXPECT_EQ((*pending)[1].delivery_id, "b");
  auto all = store().ListInbox(InboxFilter{false, 0, 10});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_TRUE((*all)[1].processed);
  EXPECT_EQ((*all)[1].outcome, "queued 1 run");
  auto after = store().ListInbox(InboxFilter{false, (*all)[1].seq, 10});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].delivery_id, "b");
  // A replay after processing is still recognised.
  EXPECT_FALSE(store().AddInboxEntry(MakeEntry("a")).value());
}

TEST_P(StoreConformanceTest, InboxRejectsBadInputAndUnknownDeliveries) {
  EXPECT_EQ(store().AddInboxEntry(MakeEntry("")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().AddInboxEntry(MakeEntry("has space")).status().code(), StatusCode::kInvalidArgument);
  InboxEntry bad = MakeEntry("x");
  bad.pipelines_json = "{}";
  EXPECT_EQ(store().AddInboxEntry(bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().GetInboxEntry("github", "nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().MarkInboxProcessed("github", "nope", "x").code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ConcurrentDuplicateDeliveriesAreStoredOnce) {
  std::atomic<int> inserted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = store().AddInboxEntry(MakeEntry("dup-" + std::to_string(i)));
        if (r.ok() && *r) ++inserted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(inserted.load(), 10);
  EXPECT_EQ(store().ListInbox(InboxFilter{true, 0, 100}).value().size(), 10u);
}

TEST_P(StoreConformanceTest, RunsQueueInOrderAndUpdateWithVersions) {
  auto a = store().CreateRun(MakeRun("run-a"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->version, 1);
  EXPECT_GT(a->seq, 0);
  clock_.Advance(std::chrono::seconds(1));
  auto b = store().CreateRun(MakeRun("run-b", "other"));
  ASSERT_TRUE(b.ok());
  EXPECT_GT(b->seq, a->seq);
  EXPECT_EQ(store().CreateRun(MakeRun("run-a")).status().code(), StatusCode::kAlreadyExists);

  RunRecord running = *a;
  running.status = "running";
  running.data_json = R"({"sha":"abc","steps":[{"name":"test","status":"running"}]})";
  auto updated = store().UpdateRun(running, 1);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->seq, a->seq);
  EXPECT_EQ(updated->created_at, a->created_at);
  auto stale = store().UpdateRun(running, 1);
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(store().UpdateRun(MakeRun("missing"), 1).status().code(), StatusCode::kNotFound);

  Reopen();
  auto got = store().GetRun("run-a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, "running");
  EXPECT_EQ(nlohmann::json::parse(got->data_json)["steps"][0]["name"], "test");

  auto queued = store().ListRuns(RunFilter{"", "queued", true, 0, 0, 10});
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ((*queued)[0].id, "run-b");
  auto newest = store().ListRuns(RunFilter{});
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].id, "run-b");
  auto by_pipeline = store().ListRuns(RunFilter{"app", "", false, 0, 0, 10});
  ASSERT_TRUE(by_pipeline.ok());
  ASSERT_EQ(by_pipeline->size(), 1u);
  EXPECT_EQ((*by_pipeline)[0].id, "run-a");
  auto page = store().ListRuns(RunFilter{"", "", false, 0, b->seq, 10});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, "run-a");

  auto events = store().ListEvents(EventFilter{0, "run.", "run/run-a", 100});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].type, "run.created");
  EXPECT_EQ((*events)[1].type, "run.updated");
  EXPECT_EQ(nlohmann::json::parse((*events)[1].data_json)["status"], "running");
}

TEST_P(StoreConformanceTest, RunsRejectBadInput) {
  RunRecord bad = MakeRun("r1");
  bad.data_json = "[1]";
  EXPECT_THAT(store().CreateRun(bad).status().message(), HasSubstr("run data"));
  EXPECT_EQ(store().CreateRun(MakeRun("")).status().code(), StatusCode::kInvalidArgument);
  RunRecord no_status = MakeRun("r2");
  no_status.status = "";
  EXPECT_EQ(store().CreateRun(no_status).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().GetRun("nope").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kelola
