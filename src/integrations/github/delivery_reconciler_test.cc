// The reconciliation controller end to end against a local server playing
// GitHub: it lists the deliveries (two pages) and asks for the failed ones
// that are not in kelola's inbox again.
#include "integrations/github/delivery_reconciler.h"

#include <gtest/gtest.h>

#include <mutex>

#include <nlohmann/json.hpp>

#include "engine/fenced_store.h"
#include "net/http_server.h"

namespace kelola {
namespace {

using json = nlohmann::json;

TEST(DeliveryReconcilerTest, RedeliversFailedDeliveriesMissingFromTheInbox) {
  std::mutex mu;
  std::vector<std::string> redelivered;
  std::vector<std::string> auth;
  HttpServer github(HttpServerOptions{});
  auto delivery = [](int64_t id, const std::string& guid, int code) {
    return json{{"id", id},
                {"guid", guid},
                {"delivered_at", "2026-11-27T10:00:00Z"},
                {"redelivery", false},
                {"status_code", code},
                {"status", code == 200 ? "OK" : "Invalid HTTP Response: 503"},
                {"event", "push"}};
  };
  github.Route("GET", "/repos/acme/app/hooks/{hook}/deliveries", [&](HttpRequest& r) {
    {
      std::lock_guard<std::mutex> l(mu);
      auth.push_back(r.Header("Authorization"));
    }
    if (r.path_params["hook"] != "77") return HttpResponse::Json(404, R"({"message":"Not Found"})");
    if (r.Query("cursor").empty()) {
      HttpResponse resp = HttpResponse::Json(200, json::array({delivery(3, "g3", 200), delivery(2, "g2", 503)}).dump());
      resp.headers["Link"] = "<http://127.0.0.1/repos/acme/app/hooks/77/deliveries?cursor=c2>; rel=\"next\"";
      return resp;
    }
    return HttpResponse::Json(200, json::array({delivery(1, "g1", 0)}).dump());
  });
  github.Route("POST", "/repos/acme/app/hooks/77/deliveries/{id}/attempts", [&](HttpRequest& r) {
    std::lock_guard<std::mutex> l(mu);
    redelivered.push_back(r.path_params["id"]);
    return HttpResponse::Json(202, "{}");
  });
  ASSERT_TRUE(github.Start().ok());

  FakeClock clock(WallTime(std::chrono::hours(24 * 20784)));  // 2026-11-27, so the deliveries are recent
  auto store = OpenSqliteStore(":memory:", clock).value();
  Resource pipeline;
  pipeline.kind = "Pipeline";
  pipeline.name = "app";
  pipeline.spec_json = json{{"forge", "github"},
                            {"repository", "acme/app"},
                            {"webhookSecret", "hook"},
                            {"tokenSecret", "gh-token"},
                            {"hookId", 77},
                            {"apiUrl", "http://127.0.0.1:" + std::to_string(github.port())}}
                           .dump();
  ASSERT_TRUE(store->PutResource(pipeline, PutOptions{}).ok());
  InboxEntry stored;  // g1 reached kelola after all (its answer got lost)
  stored.source = "github";
  stored.delivery_id = "g1";
  stored.event = "push";
  stored.payload = "{}";
  ASSERT_TRUE(store->AddInboxEntry(stored).ok());

  DeliveryReconcilerOptions options;
  options.http.max_retries = 0;
  DeliveryReconciler reconciler(
      *store, clock,
      [](const std::string& name) -> Result<std::string> {
        if (name == "gh-token") return std::string("tok");
        return NotFoundError("no secret " + name);
      },
      options);
  auto result = reconciler.Reconcile("Pipeline/app");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->requeue_after, options.poll);
  {
    std::lock_guard<std::mutex> l(mu);
    EXPECT_EQ(redelivered, std::vector<std::string>{"2"});
    ASSERT_EQ(auth.size(), 2u);  // both pages
    EXPECT_EQ(auth[0], "Bearer tok");
  }
  auto events = store->ListEvents(EventFilter{0, "webhook.redelivery", "", 10}).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].subject, "webhook/github/g2");

  // A pipeline without a hook id is left alone; a missing one too.
  EXPECT_TRUE(reconciler.Reconcile("Pipeline/nope").ok());
  github.Stop();
}

// A former leader (its lease taken over, its elector not yet aware) lists
// the deliveries but asks GitHub for nothing: the fence is checked before
// every redelivery request.
TEST(DeliveryReconcilerTest, AFormerLeaderAsksForNoRedelivery) {
  std::mutex mu;
  int lists = 0;
  int redeliveries = 0;
  HttpServer github(HttpServerOptions{});
  github.Route("GET", "/repos/acme/app/hooks/77/deliveries", [&](HttpRequest&) {
    std::lock_guard<std::mutex> l(mu);
    ++lists;
    return HttpResponse::Json(200, json::array({json{{"id", 5},
                                                     {"guid", "g5"},
                                                     {"delivered_at", "2026-11-27T10:00:00Z"},
                                                     {"status_code", 502},
                                                     {"event", "push"}}})
                                       .dump());
  });
  github.Route("POST", "/repos/acme/app/hooks/77/deliveries/{id}/attempts", [&](HttpRequest&) {
    std::lock_guard<std::mutex> l(mu);
    ++redeliveries;
    return HttpResponse::Json(202, "{}");
  });
  ASSERT_TRUE(github.Start().ok());

  FakeClock clock(WallTime(std::chrono::hours(24 * 20784)));
  auto store = OpenSqliteStore(":memory:", clock).value();
  Resource pipeline;
  pipeline.kind = "Pipeline";
  pipeline.name = "app";
  pipeline.spec_json = json{{"forge", "github"},
                            {"repository", "acme/app"},
                            {"webhookSecret", "hook"},
                            {"tokenSecret", "gh-token"},
                            {"hookId", 77},
                            {"apiUrl", "http://127.0.0.1:" + std::to_string(github.port())}}
                           .dump();
  ASSERT_TRUE(store->PutResource(pipeline, PutOptions{}).ok());
  auto old_lease = store->TryAcquireLease("controller/github-deliveries", "replica-a", std::chrono::seconds(10));
  ASSERT_TRUE(old_lease.ok());
  clock.Advance(std::chrono::seconds(11));
  ASSERT_TRUE(store->TryAcquireLease("controller/github-deliveries", "replica-b", std::chrono::seconds(10)).ok());
  FencedStore stale(
      *store,
      [&] {
        return std::optional<LeaseFence>(LeaseFence{"controller/github-deliveries", old_lease->token});
      },
      "controller \"github-deliveries\"");

  DeliveryReconcilerOptions options;
  options.http.max_retries = 0;
  DeliveryReconciler reconciler(
      stale, clock, [](const std::string&) -> Result<std::string> { return std::string("tok"); }, options);
  auto result = reconciler.Reconcile("Pipeline/app");
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition) << result.status().ToString();
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(lists, 1);
  EXPECT_EQ(redeliveries, 0);
  github.Stop();
}

}  // namespace
}  // namespace kelola
