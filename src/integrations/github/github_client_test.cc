// GitHubClient against a local HttpServer playing GitHub's side: it checks
// method, path, headers and body fields as GitHub would and answers with
// GitHub's shapes (docs.github.com REST: commit statuses, repository webhook
// deliveries), failures included.
#include "integrations/github/github_client.h"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "integrations/github/delivery_reconciler.h"
#include "net/http_server.h"

namespace kelola {
namespace {

using json = nlohmann::json;

const std::string kToken = "ghp_test_token";

struct Recorded {
  std::string method, path, target, body;
  HeaderMap headers;
};

class FakeGitHubSide : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(HttpServerOptions{});
    server_->Route("POST", "/api/v3/repos/{owner}/{repo}/statuses/{sha}", [this](HttpRequest& r) {
      Record(r);
      if (r.Header("Authorization") != "Bearer " + kToken) {
        return HttpResponse::Json(401, R"({"message":"Bad credentials"})");
      }
      json body = json::parse(r.body, nullptr, false);
      const std::string state = body.value("state", "");
      if (state != "pending" && state != "success" && state != "failure" && state != "error") {
        return HttpResponse::Json(422, R"({"message":"Validation Failed"})");
      }
      return HttpResponse::Json(201, json{{"state", state}, {"context", body.value("context", "default")}}.dump());
    });
    server_->Route("GET", "/api/v3/repos/{owner}/{repo}/hooks/{hook}/deliveries", [this](HttpRequest& r) {
      Record(r);
      // Two pages; the cursor of the next one is in the Link header.
      const std::string cursor = r.Query("cursor");
      HttpResponse resp = HttpResponse::Json(200, cursor.empty() ? page1_.dump() : page2_.dump());
      if (cursor.empty()) {
        resp.headers["Link"] =
            "<" + base_ + "/api/v3/repos/o/r/hooks/7/deliveries?per_page=100&cursor=v1_2>; " + "rel=\"next\"";
      }
      return resp;
    });
    server_->Route("POST", "/api/v3/repos/{owner}/{repo}/hooks/{hook}/deliveries/{id}/attempts",
                   [this](HttpRequest& r) {
                     Record(r);
                     return HttpResponse::Json(202, "{}");
                   });
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override { server_->Stop(); }

  void Record(const HttpRequest& r) {
    std::lock_guard<std::mutex> l(mu_);
    recorded_.push_back({r.method, r.path, r.target, r.body, r.headers});
  }

  std::vector<Recorded> recorded() {
    std::lock_guard<std::mutex> l(mu_);
    return recorded_;
  }

  static json Delivery(int64_t id, const std::string& guid, int status_code, bool redelivery = false) {
    return {{"id", id},
            {"guid", guid},
            {"delivered_at", "2026-11-27T10:00:00Z"},
            {"redelivery", redelivery},
            {"duration", 0.03},
            {"status", status_code == 200 ? "OK" : "failed to connect"},
            {"status_code", status_code},
            {"event", "push"},
            {"action", nullptr},
            {"installation_id", nullptr},
            {"repository_id", 123}};
  }

  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::mutex mu_;
  std::vector<Recorded> recorded_;
  json page1_ = json::array({Delivery(12, "g-ok", 200), Delivery(11, "g-failed", 502), Delivery(10, "g-stored", 502)});
  json page2_ = json::array(
      {Delivery(9, "g-old-failed", 0), Delivery(8, "g-retried", 500), Delivery(13, "g-retried", 200, true)});
};

TEST_F(FakeGitHubSide, CommitStatusRequestHasGitHubsShape) {
  GitHubClient client(base_ + "/api/v3/", kToken, HttpClientOptions{.max_retries = 0});
  CommitStatus s;
  s.repository = "Codertocat/Hello-World";
  s.sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
  s.state = CommitState::kRunning;
  s.target_url = "https://kelola.example/runs/r1";
  s.description = std::string(200, 'd');
  s.context = "kelola/hello";
  ASSERT_TRUE(client.SetCommitStatus(s).ok());
  s.state = CommitState::kFailure;
  ASSERT_TRUE(client.SetCommitStatus(s).ok());
  auto got = recorded();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].path, "/api/v3/repos/Codertocat/Hello-World/statuses/6113728f27ae82c7b1a177c8d03f9e96e0adf246");
  EXPECT_EQ(got[0].headers.at("Accept"), "application/vnd.github+json");
  EXPECT_EQ(got[0].headers.at("X-GitHub-Api-Version"), "2022-11-28");
  json body = json::parse(got[0].body);
  EXPECT_EQ(body["state"], "pending");  // GitHub has no "running"
  EXPECT_EQ(body["target_url"], "https://kelola.example/runs/r1");
  EXPECT_EQ(body["context"], "kelola/hello");
  EXPECT_EQ(body["description"].get<std::string>().size(), 140u);
  EXPECT_EQ(json::parse(got[1].body)["state"], "failure");
}

TEST_F(FakeGitHubSide, RefusalsBecomeStatuses) {
  GitHubClient bad(base_ + "/api/v3", "wrong", HttpClientOptions{.max_retries = 0});
  CommitStatus s;
  s.repository = "o/r";
  s.sha = "abcdef1";
  EXPECT_EQ(bad.SetCommitStatus(s).code(), StatusCode::kUnauthenticated);
  s.repository = "../evil";
  EXPECT_EQ(bad.SetCommitStatus(s).code(), StatusCode::kInvalidArgument);
  s.repository = "o/r";
  s.sha = "not-a-sha";
  EXPECT_EQ(bad.SetCommitStatus(s).code(), StatusCode::kInvalidArgument);
  GitHubClient down("http://127.0.0.1:1", kToken, HttpClientOptions{.max_retries = 0});
  s.sha = "abcdef1";
  EXPECT_EQ(down.SetCommitStatus(s).code(), StatusCode::kUnavailable);
}

TEST_F(FakeGitHubSide, DeliveriesArePagedByTheLinkCursor) {
  GitHubClient client(base_ + "/api/v3", kToken, HttpClientOptions{.max_retries = 0});
  auto first = client.ListHookDeliveries("o/r", 7, "");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->deliveries.size(), 3u);
  EXPECT_EQ(first->deliveries[1].guid, "g-failed");
  EXPECT_EQ(first->deliveries[1].status_code, 502);
  EXPECT_TRUE(first->deliveries[0].delivered_at.has_value());
  EXPECT_EQ(first->next_cursor, "v1_2");
  auto second = client.ListHookDeliveries("o/r", 7, first->next_cursor);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->deliveries.size(), 3u);
  EXPECT_EQ(second->next_cursor, "");
  auto got = recorded();
  EXPECT_EQ(got[0].target, "/api/v3/repos/o/r/hooks/7/deliveries?per_page=100");
  EXPECT_EQ(got[1].target, "/api/v3/repos/o/r/hooks/7/deliveries?per_page=100&cursor=v1_2");
}

TEST(GitHubLinkHeaderTest, FindsTheNextCursorOnly) {
  EXPECT_EQ(NextCursorFromLinkHeader(R"(<https://api.github.com/x?cursor=a>; rel="prev", )"
                                     R"(<https://api.github.com/x?per_page=2&cursor=b%3D>; rel="next")"),
            "b=");
  EXPECT_EQ(NextCursorFromLinkHeader(R"(<https://api.github.com/x?cursor=a>; rel="prev")"), "");
  EXPECT_EQ(NextCursorFromLinkHeader(""), "");
  EXPECT_EQ(NextCursorFromLinkHeader("<<<>"), "");
}

TEST(MissedDeliveriesTest, OnlyFailedGuidsNotInTheInboxWithFewAttempts) {
  auto d = [](int64_t id, std::string guid, int code) {
    HookDelivery x;
    x.id = id;
    x.guid = std::move(guid);
    x.status_code = code;
    return x;
  };
  std::vector<HookDelivery> all = {d(5, "ok", 200),      d(6, "failed", 502),  d(7, "stored", 0),
                                   d(8, "retried", 500), d(9, "retried", 202), d(10, "tried", 500),
                                   d(11, "tried", 500),  d(12, "tried", 504),  d(13, "failed", 0)};
  auto missed = MissedDeliveries(
      all, [](const std::string& g) { return g == "stored"; }, 3);
  ASSERT_EQ(missed.size(), 1u);
  EXPECT_EQ(missed[0].guid, "failed");
  EXPECT_EQ(missed[0].id, 13);  // the latest attempt
}

}  // namespace
}  // namespace kelola
