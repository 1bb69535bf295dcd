// Store conformance suite, part 1: resources (CRUD, listing, optimistic
// concurrency, generation and version semantics, durability, concurrency,
// input validation). Part 2 (events, subscriptions, tokens) is in
// store_conformance_events_test.cc. Backends instantiate it: see
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

Resource MakeResource(const std::string& kind, const std::string& name, std::map<std::string, std::string> labels = {},
                      const std::string& spec = "{}") {
  Resource r;
  r.kind = kind;
  r.name = name;
  r.labels = std::move(labels);
  r.spec_json = spec;
  return r;
}

PutOptions Expect(std::optional<int64_t> version, const std::string& actor = "test") {
  PutOptions options;
  options.expected_resource_version = version;
  options.actor = actor;
  return options;
}

std::vector<std::string> Names(const ListResult& list) {
  std::vector<std::string> names;
  for (const Resource& r : list.items) names.push_back(r.name);
  return names;
}

using Strings = std::vector<std::string>;

TEST_P(StoreConformanceTest, CreateThenGetReturnsWhatWasStored) {
  Resource in = MakeResource("Host", "web-1", {{"app", "web"}}, R"({"b": 2, "a": [1, "x"]})");
  in.status_json = R"({"phase":"Pending"})";
  auto created = store().PutResource(in, Expect(0));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->kind, "Host");
  EXPECT_EQ(created->name, "web-1");
  EXPECT_EQ(created->labels, in.labels);
  EXPECT_EQ(nlohmann::json::parse(created->spec_json), nlohmann::json::parse(in.spec_json));
  EXPECT_EQ(nlohmann::json::parse(created->status_json), nlohmann::json::parse(in.status_json));
  EXPECT_EQ(created->generation, 1);
  EXPECT_GT(created->resource_version, 0);
  EXPECT_EQ(UnixMillis(created->created_at), UnixMillis(clock_.Now()));
  EXPECT_EQ(created->updated_at, created->created_at);

  auto got = store().GetResource("Host", "web-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->labels, created->labels);
  EXPECT_EQ(got->spec_json, created->spec_json);
  EXPECT_EQ(got->status_json, created->status_json);
  EXPECT_EQ(got->generation, created->generation);
  EXPECT_EQ(got->resource_version, created->resource_version);
  EXPECT_EQ(got->created_at, created->created_at);
  EXPECT_EQ(got->updated_at, created->updated_at);
}

TEST_P(StoreConformanceTest, GetMissingIsNotFound) {
  auto got = store().GetResource("Host", "nope");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(got.status().message(), HasSubstr("Host/nope"));
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "a"), {}).ok());
  EXPECT_EQ(store().GetResource("Other", "a").status().code(), StatusCode::kNotFound)
      << "names are scoped to their kind";
}

TEST_P(StoreConformanceTest, ListIsSortedByNameAndScopedToKind) {
  for (const char* name : {"c", "a", "b"}) ASSERT_TRUE(store().PutResource(MakeResource("Host", name), {}).ok());
  ASSERT_TRUE(store().PutResource(MakeResource("Secret", "aa"), {}).ok());
  auto list = store().ListResources({.kind = "Host"});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(Names(*list), (Strings{"a", "b", "c"}));
  EXPECT_TRUE(list->next_after.empty());
  auto empty = store().ListResources({.kind = "Nothing"});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->items.empty());
}

TEST_P(StoreConformanceTest, ListFiltersByLabelSelector) {
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "web-1", {{"app", "web"}, {"env", "prod"}}), {}).ok());
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "web-2", {{"app", "web"}, {"env", "dev"}}), {}).ok());
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "db-1", {{"app", "db"}, {"env", "prod"}}), {}).ok());
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "bare"), {}).ok());
  auto select = [&](const std::string& text) {
    auto selector = ParseLabelSelector(text);
    EXPECT_TRUE(selector.ok()) << selector.status().ToString();
    auto list = store().ListResources({.kind = "Host", .selector = selector.value_or({})});
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? Names(*list) : Strings{};
  };
  EXPECT_EQ(select("app=web"), (Strings{"web-1", "web-2"}));
  EXPECT_EQ(select("env=prod"), (Strings{"db-1", "web-1"}));
  EXPECT_EQ(select("app=web,env!=dev"), (Strings{"web-1"}));
  EXPECT_EQ(select("env in (dev,prod),app notin (db)"), (Strings{"web-1", "web-2"}));
  EXPECT_EQ(select("!app"), (Strings{"bare"}));
  EXPECT_EQ(select("app"), (Strings{"db-1", "web-1", "web-2"}));
  EXPECT_EQ(select("app!=web"), (Strings{"bare", "db-1"}));
}

TEST_P(StoreConformanceTest, ListPaginatesWithAfterNameAndLimit) {
  for (int i = 1; i <= 7; ++i) {
    std::string parity = i % 2 == 0 ? "even" : "odd";
    ASSERT_TRUE(store().PutResource(MakeResource("Host", "h" + std::to_string(i), {{"n", parity}}), {}).ok());
  }
  Strings seen;
  std::string after;
  int pages = 0;
  do {
    auto page = store().ListResources({.kind = "Host", .after_name = after, .limit = 3});
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->items.size(), 3u);
    for (const Resource& r : page->items) seen.push_back(r.name);
    after = page->next_after;
    if (!after.empty()) {
      EXPECT_EQ(after, page->items.back().name);
    }
    ASSERT_LT(++pages, 10);
  } while (!after.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (Strings{"h1", "h2", "h3", "h4", "h5", "h6", "h7"}));

  // An exactly full last page says nothing more follows.
  auto exact = store().ListResources({.kind = "Host", .after_name = "h4", .limit = 3});
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(Names(*exact), (Strings{"h5", "h6", "h7"}));
  EXPECT_TRUE(exact->next_after.empty());

  // Pages count matching items only.
  auto odd = ParseLabelSelector("n=odd");
  ASSERT_TRUE(odd.ok());
  auto first = store().ListResources({.kind = "Host", .selector = *odd, .limit = 2});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Names(*first), (Strings{"h1", "h3"}));
  EXPECT_EQ(first->next_after, "h3");
  auto second = store().ListResources({.kind = "Host", .selector = *odd, .after_name = "h3", .limit = 2});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Names(*second), (Strings{"h5", "h7"}));
  EXPECT_TRUE(second->next_after.empty());
}

TEST_P(StoreConformanceTest, SpecUpdateBumpsGenerationAndKeepsCreationTime) {
  auto v1 = store().PutResource(MakeResource("Host", "a", {}, R"({"size":1})"), Expect(0));
  ASSERT_TRUE(v1.ok());
  clock_.Advance(std::chrono::seconds(5));
  auto v2 = store().PutResource(MakeResource("Host", "a", {}, R"({"size":2})"), Expect(v1->resource_version));
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->generation, 2);
  EXPECT_GT(v2->resource_version, v1->resource_version);
  EXPECT_EQ(v2->created_at, v1->created_at);
  EXPECT_EQ(UnixMillis(v2->updated_at), UnixMillis(clock_.Now()));
  EXPECT_EQ(nlohmann::json::parse(store().GetResource("Host", "a")->spec_json)["size"], 2);
}

TEST_P(StoreConformanceTest, StatusOnlyUpdateKeepsSpecLabelsAndGeneration) {
  auto v1 = store().PutResource(MakeResource("Host", "a", {{"app", "web"}}, R"({"size":1})"), Expect(0));
  ASSERT_TRUE(v1.ok());
  Resource status_write = MakeResource("Host", "a", {{"ignored", "yes"}}, R"({"size":99})");
  status_write.status_json = R"({"ready":true})";
  PutOptions options = Expect(v1->resource_version);
  options.status_only = true;
  auto v2 = store().PutResource(status_write, options);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->generation, 1);
  EXPECT_GT(v2->resource_version, v1->resource_version);
  EXPECT_EQ(v2->labels, v1->labels);
  auto got = store().GetResource("Host", "a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(nlohmann::json::parse(got->spec_json)["size"], 1);
  EXPECT_EQ(nlohmann::json::parse(got->status_json)["ready"], true);
  EXPECT_EQ(got->labels, (std::map<std::string, std::string>{{"app", "web"}}));

  PutOptions missing;
  missing.status_only = true;
  EXPECT_EQ(store().PutResource(MakeResource("Host", "ghost"), missing).status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, LabelChangeBumpsGenerationButKeyOrderDoesNot) {
  auto v1 = store().PutResource(MakeResource("Host", "a", {}, R"({"x":1,"y":{"p":1,"q":2}})"), {});
  ASSERT_TRUE(v1.ok());
  auto same = store().PutResource(MakeResource("Host", "a", {}, R"({ "y": {"q":2, "p":1}, "x": 1 })"), {});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->generation, 1) << "the same document in another key order is no spec change";
  EXPECT_EQ(same->resource_version, v1->resource_version) << "a write that changes nothing is no write";
  auto relabeled =
      store().PutResource(MakeResource("Host", "a", {{"new", "label"}}, R"({"x":1,"y":{"p":1,"q":2}})"), {});
  ASSERT_TRUE(relabeled.ok());
  EXPECT_EQ(relabeled->generation, 2);
  EXPECT_GT(relabeled->resource_version, v1->resource_version);
}

TEST_P(StoreConformanceTest, NoOpWriteAppendsNoEvent) {
  Resource r = MakeResource("Host", "a", {{"k", "v"}}, R"({"x":1})");
  r.status_json = R"({"s":1})";
  ASSERT_TRUE(store().PutResource(r, {}).ok());
  const int64_t last = store().LastEventId();
  auto again = store().PutResource(r, {});
  ASSERT_TRUE(again.ok());
  PutOptions status_only;
  status_only.status_only = true;
  ASSERT_TRUE(store().PutResource(r, status_only).ok());
  EXPECT_EQ(store().LastEventId(), last);
}

TEST_P(StoreConformanceTest, StaleResourceVersionIsAbortedAndNamesBothVersions) {
  auto v1 = store().PutResource(MakeResource("Host", "a", {}, R"({"n":1})"), Expect(0));
  ASSERT_TRUE(v1.ok());
  auto v2 = store().PutResource(MakeResource("Host", "a", {}, R"({"n":2})"), Expect(v1->resource_version));
  ASSERT_TRUE(v2.ok());
  auto stale = store().PutResource(MakeResource("Host", "a", {}, R"({"n":3})"), Expect(v1->resource_version));
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr(std::to_string(v1->resource_version)));
  EXPECT_THAT(stale.status().message(), HasSubstr(std::to_string(v2->resource_version)));
  EXPECT_EQ(nlohmann::json::parse(store().GetResource("Host", "a")->spec_json)["n"], 2) << "nothing written";
}

TEST_P(StoreConformanceTest, CreateOverExistingIsAlreadyExists) {
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "a"), Expect(0)).ok());
  auto again = store().PutResource(MakeResource("Host", "a", {}, R"({"n":1})"), Expect(0));
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr("Host/a"));
}

TEST_P(StoreConformanceTest, ExpectedVersionOfMissingResourceIsAborted) {
  auto put = store().PutResource(MakeResource("Host", "ghost"), Expect(42));
  EXPECT_EQ(put.status().code(), StatusCode::kAborted);
  EXPECT_EQ(store().GetResource("Host", "ghost").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, UnconditionalPutCreatesThenUpdates) {
  auto v1 = store().PutResource(MakeResource("Host", "a", {}, R"({"n":1})"), {});
  ASSERT_TRUE(v1.ok());
  auto v2 = store().PutResource(MakeResource("Host", "a", {}, R"({"n":2})"), {});
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->generation, 2);
}

TEST_P(StoreConformanceTest, DeleteRemovesAndChecksPreconditions) {
  auto v1 = store().PutResource(MakeResource("Host", "a"), {});
  ASSERT_TRUE(v1.ok());
  Status stale = store().DeleteResource("Host", "a", v1->resource_version + 1000, "alice");
  EXPECT_EQ(stale.code(), StatusCode::kAborted);
  EXPECT_TRUE(store().GetResource("Host", "a").ok());
  EXPECT_TRUE(store().DeleteResource("Host", "a", v1->resource_version, "alice").ok());
  EXPECT_EQ(store().GetResource("Host", "a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().DeleteResource("Host", "a", std::nullopt, "alice").code(), StatusCode::kNotFound);
  auto recreated = store().PutResource(MakeResource("Host", "a"), Expect(0));
  ASSERT_TRUE(recreated.ok()) << recreated.status().ToString();
  EXPECT_EQ(recreated->generation, 1);
  EXPECT_GT(recreated->resource_version, v1->resource_version);
}

TEST_P(StoreConformanceTest, ResourceVersionStrictlyIncreasesAcrossKinds) {
  int64_t last = 0;
  auto check = [&](int64_t version) {
    EXPECT_GT(version, last);
    last = version;
  };
  for (int i = 0; i < 3; ++i) {
    for (const char* kind : {"Host", "Secret", "Pipeline"}) {
      auto put = store().PutResource(MakeResource(kind, "r", {}, "{\"i\":" + std::to_string(i) + "}"), {});
      ASSERT_TRUE(put.ok()) << put.status().ToString();
      check(put->resource_version);
    }
  }
  ASSERT_TRUE(store().DeleteResource("Secret", "r", std::nullopt, "t").ok());
  auto after_delete = store().PutResource(MakeResource("Host", "other"), {});
  ASSERT_TRUE(after_delete.ok());
  EXPECT_GT(after_delete->resource_version, last + 1) << "the delete took a version of its own";
}

TEST_P(StoreConformanceTest, WritesAppendTheirChangeEvents) {
  const int64_t start = store().LastEventId();
  auto created = store().PutResource(MakeResource("Host", "web-1", {}, R"({"n":1})"), Expect(0, "alice"));
  ASSERT_TRUE(created.ok());
  auto updated = store().PutResource(MakeResource("Host", "web-1", {}, R"({"n":2})"), Expect(std::nullopt, "bob"));
  ASSERT_TRUE(updated.ok());
  ASSERT_TRUE(store().DeleteResource("Host", "web-1", std::nullopt, "carol").ok());

  auto events = store().ListEvents({.after_id = start});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);
  const Event& e0 = (*events)[0];
  EXPECT_EQ(e0.type, "resource.created");
  EXPECT_EQ(e0.subject, "Host/web-1");
  EXPECT_EQ(e0.actor, "alice");
  EXPECT_EQ(UnixMillis(e0.time), UnixMillis(clock_.Now()));
  auto d0 = nlohmann::json::parse(e0.data_json);
  EXPECT_EQ(d0["kind"], "Host");
  EXPECT_EQ(d0["name"], "web-1");
  EXPECT_EQ(d0["resourceVersion"], created->resource_version);
  EXPECT_EQ(d0["generation"], 1);
  EXPECT_EQ((*events)[1].type, "resource.updated");
  EXPECT_EQ((*events)[1].actor, "bob");
  auto d1 = nlohmann::json::parse((*events)[1].data_json);
  EXPECT_EQ(d1["resourceVersion"], updated->resource_version);
  EXPECT_EQ(d1["generation"], 2);
  EXPECT_EQ((*events)[2].type, "resource.deleted");
  EXPECT_EQ((*events)[2].actor, "carol");
  EXPECT_GT(nlohmann::json::parse((*events)[2].data_json)["resourceVersion"].get<int64_t>(), updated->resource_version);
  EXPECT_EQ(store().LastEventId(), (*events)[2].id);
}

TEST_P(StoreConformanceTest, FailedWriteAppendsNoEvent) {
  ASSERT_TRUE(store().PutResource(MakeResource("Host", "a"), Expect(0)).ok());
  const int64_t last = store().LastEventId();
  EXPECT_FALSE(store().PutResource(MakeResource("Host", "a"), Expect(0)).ok());
  EXPECT_FALSE(store().PutResource(MakeResource("Host", "a", {}, R"({"x":1})"), Expect(999)).ok());
  EXPECT_FALSE(store().DeleteResource("Host", "missing", std::nullopt, "t").ok());
  EXPECT_EQ(store().LastEventId(), last);
}

TEST_P(StoreConformanceTest, DataSurvivesReopen) {
  auto put = store().PutResource(MakeResource("Host", "a", {{"k", "v"}}, R"({"n":1})"), {});
  ASSERT_TRUE(put.ok());
  Event audit;
  audit.type = "audit.login";
  audit.subject = "token/t1";
  audit.actor = "alice";
  auto appended = store().AppendEvent(audit);
  ASSERT_TRUE(appended.ok());
  ApiToken token{.id = "t1", .name = "ci", .role = "operator", .secret_hash = std::string(64, 'a')};
  ASSERT_TRUE(store().CreateToken(token).ok());

  Reopen();
  auto got = store().GetResource("Host", "a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->resource_version, put->resource_version);
  EXPECT_EQ(got->labels, put->labels);
  EXPECT_EQ(got->spec_json, put->spec_json);
  EXPECT_EQ(store().LastEventId(), appended->id);
  auto events = store().ListEvents({.subject = "token/t1"});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].actor, "alice");
  EXPECT_TRUE(store().GetToken("t1").ok());

  // Counters continue where they were, never restart.
  auto next = store().PutResource(MakeResource("Host", "b"), {});
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->resource_version, put->resource_version);
  EXPECT_GT(store().LastEventId(), appended->id);
}

TEST_P(StoreConformanceTest, ConcurrentWritersDoNotLoseUpdates) {
  ASSERT_TRUE(store().PutResource(MakeResource("Counter", "c", {}, R"({"n":0})"), Expect(0)).ok());
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::atomic<int> conflicts{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        while (true) {
          auto current = store().GetResource("Counter", "c");
          if (!current.ok()) {
            ++failures;
            return;
          }
          auto spec = nlohmann::json::parse(current->spec_json);
          spec["n"] = spec["n"].get<int>() + 1;
          Resource next = *current;
          next.spec_json = spec.dump();
          auto put = store().PutResource(next, Expect(current->resource_version, "thread-" + std::to_string(t)));
          if (put.ok()) break;
          if (put.status().code() != StatusCode::kAborted) {
            ++failures;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto final = store().GetResource("Counter", "c");
  ASSERT_TRUE(final.ok());
  EXPECT_EQ(nlohmann::json::parse(final->spec_json)["n"], kThreads * kIncrements);
  EXPECT_EQ(final->generation, 1 + kThreads * kIncrements);
  auto events = store().ListEvents({.subject = "Counter/c", .limit = 1000});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), static_cast<size_t>(1 + kThreads * kIncrements));
}

TEST_P(StoreConformanceTest, BadResourceInputIsInvalidArgument) {
  auto code = [&](const Resource& r) { return store().PutResource(r, {}).status().code(); };
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(code(MakeResource("", "a")), kInvalid);
  EXPECT_EQ(code(MakeResource("Host", "")), kInvalid);
  EXPECT_EQ(code(MakeResource("Host", "a/b")), kInvalid);
  EXPECT_EQ(code(MakeResource("Host", "a b")), kInvalid);
  EXPECT_EQ(code(MakeResource("Ho st", "a")), kInvalid);
  EXPECT_EQ(code(MakeResource("Host", "a", {{"bad key", "v"}})), kInvalid);
  EXPECT_EQ(code(MakeResource("Host", "a", {{"k", "bad value"}})), kInvalid);
  EXPECT_EQ(code(MakeResource("Host", "a", {}, "[1,2]")), kInvalid);
  EXPECT_EQ(code(MakeResource("Host", "a", {}, "")), kInvalid);
  Resource bad_status = MakeResource("Host", "a");
  bad_status.status_json = "{nope";
  EXPECT_EQ(code(bad_status), kInvalid);

  auto not_json = store().PutResource(MakeResource("Host", "a", {}, R"({"a": })"), {});
  EXPECT_EQ(not_json.status().code(), kInvalid);
  EXPECT_THAT(not_json.status().message(), HasSubstr("spec"));

  EXPECT_EQ(store().PutResource(MakeResource("Host", "a"), Expect(-1)).status().code(), kInvalid);
  EXPECT_EQ(store().GetResource("", "a").status().code(), kInvalid);
  EXPECT_EQ(store().GetResource("Host", "").status().code(), kInvalid);
  EXPECT_EQ(store().DeleteResource("Host", "", std::nullopt, "t").code(), kInvalid);
  EXPECT_EQ(store().ListResources({.kind = ""}).status().code(), kInvalid);
  EXPECT_EQ(store().ListResources({.kind = "Host", .limit = -1}).status().code(), kInvalid);
  ListOptions bad_selector{.kind = "Host"};
  bad_selector.selector.push_back({"app", LabelRequirement::Op::kEquals, {}});
  EXPECT_EQ(store().ListResources(bad_selector).status().code(), kInvalid);
  EXPECT_EQ(store().LastEventId(), 0) << "nothing was written";
}

}  // namespace
}  // namespace kelola
