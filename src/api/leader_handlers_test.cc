// GET /v1/leaders through the real HTTP server, on an in-memory SQLite store.
#include "api/leader_handlers.h"

#include <gtest/gtest.h>

#include <atomic>

#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "net/http_client.h"

namespace kelola {
namespace {

using json = nlohmann::json;

TEST(LeaderHandlersTest, ListsLeasesWithHolderTokenAndWhetherSomeoneLeads) {
  FakeClock clock;
  auto store = OpenSqliteStore(":memory:", clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto box = SecretBox::Create(std::string(32, 'm'));
  ASSERT_TRUE(box.ok());
  SecretSealer sealer(**store, std::move(*box));
  KindRegistry kinds = BuiltinKinds();
  std::atomic<bool> shutting_down{false};
  ApiContext ctx{**store, clock, kinds, sealer, "test", nullptr, nullptr, &shutting_down};
  HttpServer server(HttpServerOptions{});
  RegisterApiRoutes(server, ctx);
  ASSERT_TRUE(server.Start().ok());
  auto viewer = IssueToken(**store, clock, "dash", Role::kViewer);
  ASSERT_TRUE(viewer.ok());

  ASSERT_TRUE((*store)->TryAcquireLease("controller/hosts", "replica-a", std::chrono::seconds(15)).ok());
  auto gone = (*store)->TryAcquireLease("controller/alerts", "replica-b", std::chrono::seconds(5));
  ASSERT_TRUE(gone.ok());
  clock.Advance(std::chrono::seconds(10));  // alerts expired, hosts still held

  HttpClient client(HttpClientOptions{.max_retries = 0});
  auto call = [&](const std::string& token) {
    ClientRequest req;
    req.method = "GET";
    req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1/leaders";
    if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
    auto r = client.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  };
  EXPECT_EQ(call("").status, 401);
  auto listed = call(viewer->plaintext);
  ASSERT_EQ(listed.status, 200) << listed.body;
  json items = json::parse(listed.body)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["name"], "controller/alerts");
  EXPECT_EQ(items[0]["holder"], "replica-b");
  EXPECT_EQ(items[0]["leading"], false) << "expired: nobody leads it now";
  EXPECT_EQ(items[1]["name"], "controller/hosts");
  EXPECT_EQ(items[1]["holder"], "replica-a");
  EXPECT_EQ(items[1]["token"], 1);
  EXPECT_EQ(items[1]["leading"], true);
  EXPECT_EQ(items[1]["expiresAt"], FormatRfc3339(clock.Now() + std::chrono::seconds(5)));
  shutting_down = true;
  server.Stop();
}

}  // namespace
}  // namespace kelola
