// Store conformance suite, part 2: the event log, subscriptions and API
// tokens. See store_conformance.h.
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store_conformance.h"

namespace kelola {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Event MakeEvent(const std::string& type, const std::string& subject, const std::string& data = "{}") {
  Event e;
  e.type = type;
  e.subject = subject;
  e.actor = "tester";
  e.data_json = data;
  return e;
}

Resource MakeResource(const std::string& kind, const std::string& name, const std::string& spec = "{}") {
  Resource r;
  r.kind = kind;
  r.name = name;
  r.spec_json = spec;
  return r;
}

std::vector<int64_t> Ids(const std::vector<Event>& events) {
  std::vector<int64_t> ids;
  for (const Event& e : events) ids.push_back(e.id);
  return ids;
}

std::string Hash(char c) { return std::string(64, c); }

TEST_P(StoreConformanceTest, AppendEventAssignsIncreasingIdsAndTime) {
  EXPECT_EQ(store().LastEventId(), 0);
  auto first = store().AppendEvent(MakeEvent("run.started", "Pipeline/p", R"({"run": 7})"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GT(first->id, 0);
  EXPECT_EQ(UnixMillis(first->time), UnixMillis(clock_.Now()));
  EXPECT_EQ(nlohmann::json::parse(first->data_json)["run"], 7);
  clock_.Advance(std::chrono::milliseconds(1500));
  auto second = store().AppendEvent(MakeEvent("run.finished", "Pipeline/p"));
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->id, first->id);
  EXPECT_EQ(store().LastEventId(), second->id);

  auto listed = store().ListEvents({});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].type, "run.started");
  EXPECT_EQ((*listed)[0].subject, "Pipeline/p");
  EXPECT_EQ((*listed)[0].actor, "tester");
  EXPECT_EQ((*listed)[0].time, first->time);
  EXPECT_EQ((*listed)[1].time, second->time);
  EXPECT_EQ(UnixMillis((*listed)[1].time) - UnixMillis((*listed)[0].time), 1500);
}

TEST_P(StoreConformanceTest, AppendEventKeepsAGivenTime) {
  Event e = MakeEvent("webhook.received", "Forge/github");
  e.time = WallTime(std::chrono::milliseconds(1'600'000'000'123));
  auto stored = store().AppendEvent(e);
  ASSERT_TRUE(stored.ok());
  auto listed = store().ListEvents({});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(UnixMillis((*listed)[0].time), 1'600'000'000'123);
}

TEST_P(StoreConformanceTest, ListEventsFilters) {
  std::vector<int64_t> ids;
  for (const auto& [type, subject] : std::vector<std::pair<std::string, std::string>>{{"run.started", "Pipeline/a"},
                                                                                      {"run.finished", "Pipeline/a"},
                                                                                      {"alert.firing", "AlertRule/cpu"},
                                                                                      {"run.started", "Pipeline/b"},
                                                                                      {"runbook.done", "Runbook/x"}}) {
    auto e = store().AppendEvent(MakeEvent(type, subject));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    ids.push_back(e->id);
  }
  auto list = [&](const EventFilter& filter) {
    auto events = store().ListEvents(filter);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? Ids(*events) : std::vector<int64_t>{};
  };
  EXPECT_EQ(list({}), ids);
  EXPECT_THAT(list({.after_id = ids[2]}), ElementsAre(ids[3], ids[4]));
  EXPECT_THAT(list({.type_prefix = "run."}), ElementsAre(ids[0], ids[1], ids[3]));
  EXPECT_THAT(list({.type_prefix = "run"}), ElementsAre(ids[0], ids[1], ids[3], ids[4]));
  EXPECT_THAT(list({.type_prefix = "run.started"}), ElementsAre(ids[0], ids[3]));
  EXPECT_THAT(list({.subject = "Pipeline/a"}), ElementsAre(ids[0], ids[1]));
  EXPECT_THAT(list({.subject = "Pipeline"}), ElementsAre()) << "subject is an exact match";
  EXPECT_THAT(list({.type_prefix = "run.", .subject = "Pipeline/b"}), ElementsAre(ids[3]));
  EXPECT_THAT(list({.limit = 2}), ElementsAre(ids[0], ids[1]));
  EXPECT_THAT(list({.after_id = ids[1], .type_prefix = "run", .limit = 1}), ElementsAre(ids[3]));
  EXPECT_THAT(list({.after_id = ids[4]}), ElementsAre());
}

TEST_P(StoreConformanceTest, ListEventsPagesThroughALongLog) {
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(store().AppendEvent(MakeEvent("tick", "Clock/c")).ok());
  std::vector<int64_t> all;
  int64_t after = 0;
  while (true) {
    auto page = store().ListEvents({.after_id = after, .limit = 10});
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    for (const Event& e : *page) {
      if (!all.empty()) {
        EXPECT_GT(e.id, all.back());
      }
      all.push_back(e.id);
    }
    after = page->back().id;
  }
  EXPECT_EQ(all.size(), 25u);
}

TEST_P(StoreConformanceTest, BadEventInputIsInvalidArgument) {
  EXPECT_EQ(store().AppendEvent(MakeEvent("", "x")).status().code(), StatusCode::kInvalidArgument);
  auto bad = store().AppendEvent(MakeEvent("t", "x", "{broken"));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("data"));
  EXPECT_EQ(store().AppendEvent(MakeEvent("t", "x", "42")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().LastEventId(), 0);
}

TEST_P(StoreConformanceTest, SubscribeDeliversCommittedEventsInOrderUntilHandleDestroyed) {
  ASSERT_TRUE(store().AppendEvent(MakeEvent("before", "x")).ok());
  std::vector<Event> seen;
  auto subscription = store().Subscribe([&](const Event& e) { seen.push_back(e); });
  ASSERT_NE(subscription, nullptr);
  auto appended = store().AppendEvent(MakeEvent("audit.x", "token/t"));
  ASSERT_TRUE(appended.ok());
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "a"), {}).ok());
  ASSERT_TRUE(store().DeleteResource("Host", "a", std::nullopt, "t").ok());
  // Delivery happens on the writer's thread before the write returns.
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].id, appended->id);
  EXPECT_EQ(seen[0].type, "audit.x");
  EXPECT_EQ(seen[1].type, "resource.created");
  EXPECT_EQ(seen[1].subject, "Host/a");
  EXPECT_EQ(seen[2].type, "resource.deleted");
  EXPECT_LT(seen[0].id, seen[1].id);
  EXPECT_LT(seen[1].id, seen[2].id);

  subscription.reset();
  ASSERT_TRUE(store().AppendEvent(MakeEvent("after", "x")).ok());
  EXPECT_EQ(seen.size(), 3u);
}

TEST_P(StoreConformanceTest, FailedWritesAreNotDelivered) {
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "a"), {}).ok());
  int calls = 0;
  auto subscription = store().Subscribe([&](const Event&) { ++calls; });
  PutOptions create_only;
  create_only.expected_resource_version = 0;
  EXPECT_FALSE(store().PutResource(MakeResource("Host", "a"), create_only).ok());
  EXPECT_FALSE(store().AppendEvent(MakeEvent("", "x")).ok());
  EXPECT_EQ(calls, 0);
}

TEST_P(StoreConformanceTest, SubscriberMayCallTheStore) {
  std::vector<std::string> seen;
  std::unique_ptr<Store::Subscription> subscription;
  subscription = store().Subscribe([&](const Event& e) {
    seen.push_back(e.type);
    if (e.type == "resource.created") {
      // Read back and react with a write of our own, as a controller would.
      auto got = store().GetResource("Host", "a");
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_TRUE(store().AppendEvent(MakeEvent("reaction", e.subject)).ok());
    }
    if (e.type == "reaction") subscription.reset();  // unsubscribing from inside is allowed
  });
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "a"), {}).ok());
  ASSERT_TRUE(store().AppendEvent(MakeEvent("ignored", "x")).ok());
  EXPECT_THAT(seen, ElementsAre("resource.created", "reaction"));
}

TEST_P(StoreConformanceTest, SubscribersSeeConcurrentWritesOnceEachInIdOrder) {
  std::mutex mu;
  std::vector<int64_t> first_ids, second_ids;
  auto first = store().Subscribe([&](const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    first_ids.push_back(e.id);
  });
  auto second = store().Subscribe([&](const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    second_ids.push_back(e.id);
  });
  constexpr int kThreads = 4;
  constexpr int kWrites = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        if (i % 2 == 0) {
          EXPECT_TRUE(store().AppendEvent(MakeEvent("tick", "t" + std::to_string(t))).ok());
        } else {
          EXPECT_TRUE(
              store()
                  .PutResource(MakeResource("Host", "h" + std::to_string(t), "{\"i\":" + std::to_string(i) + "}"), {})
                  .ok());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto all = store().ListEvents({.limit = 1000});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<size_t>(kThreads * kWrites));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(first_ids, Ids(*all));
  EXPECT_EQ(second_ids, Ids(*all));
}

TEST_P(StoreConformanceTest, TokensCreateGetListRevoke) {
  ApiToken admin{.id = "tok-admin", .name = "ops laptop", .role = "admin", .secret_hash = Hash('a')};
  ApiToken ci{.id = "tok-ci", .name = "ci", .role = "viewer", .secret_hash = Hash('b')};
  ci.expires_at = WallTime(std::chrono::milliseconds(1'800'000'000'000));
  ASSERT_TRUE(store().CreateToken(ci).ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(store().CreateToken(admin).ok());

  auto got = store().GetToken("tok-ci");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "ci");
  EXPECT_EQ(got->role, "viewer");
  EXPECT_EQ(got->secret_hash, Hash('b'));
  EXPECT_EQ(got->expires_at, ci.expires_at);
  EXPECT_FALSE(got->revoked);
  EXPECT_EQ(UnixMillis(got->created_at), UnixMillis(clock_.Now()) - 1000);
  auto got_admin = store().GetToken("tok-admin");
  ASSERT_TRUE(got_admin.ok());
  EXPECT_FALSE(got_admin->expires_at.has_value());

  auto list = store().ListTokens();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "tok-admin");
  EXPECT_EQ((*list)[1].id, "tok-ci");

  ASSERT_TRUE(store().RevokeToken("tok-ci").ok());
  EXPECT_TRUE(store().GetToken("tok-ci")->revoked);
  EXPECT_FALSE(store().GetToken("tok-admin")->revoked);
  EXPECT_TRUE(store().RevokeToken("tok-ci").ok()) << "revoking twice is harmless";
}

TEST_P(StoreConformanceTest, TokenErrors) {
  ApiToken token{.id = "t1", .name = "n", .role = "operator", .secret_hash = Hash('c')};
  ASSERT_TRUE(store().CreateToken(token).ok());
  EXPECT_EQ(store().CreateToken(token).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store().GetToken("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().RevokeToken("nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetToken("").status().code(), StatusCode::kInvalidArgument);

  ApiToken bad = token;
  bad.id = "t2";
  bad.role = "root";
  EXPECT_EQ(store().CreateToken(bad).code(), StatusCode::kInvalidArgument);
  bad.role = "viewer";
  bad.secret_hash = "plain-secret";
  EXPECT_EQ(store().CreateToken(bad).code(), StatusCode::kInvalidArgument);
  bad.secret_hash = Hash('d');
  bad.id = "";
  EXPECT_EQ(store().CreateToken(bad).code(), StatusCode::kInvalidArgument);
  auto list = store().ListTokens();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

}  // namespace
}  // namespace kelola
