// GitLabClient against a local HttpServer playing GitLab's commit status
// API (POST /projects/:id/statuses/:sha, PRIVATE-TOKEN).
#include "integrations/gitlab/gitlab_client.h"

#include <gtest/gtest.h>

#include <mutex>

#include <nlohmann/json.hpp>

#include "net/http_server.h"

namespace kelola {
namespace {

using json = nlohmann::json;

TEST(GitLabClientTest, PostsTheCommitStatusAsGitLabExpects) {
  std::mutex mu;
  std::vector<std::pair<std::string, json>> got;
  HttpServer gitlab(HttpServerOptions{});
  gitlab.Route("POST", "/api/v4/projects/{id}/statuses/{sha}", [&](HttpRequest& r) {
    if (r.Header("PRIVATE-TOKEN") != "glpat-x") return HttpResponse::Json(401, R"({"message":"401 Unauthorized"})");
    json body = json::parse(r.body, nullptr, false);
    std::lock_guard<std::mutex> l(mu);
    got.emplace_back(r.target, body);
    const std::string state = body.value("state", "");
    if (state != "pending" && state != "running" && state != "success" && state != "failed" && state != "canceled") {
      return HttpResponse::Json(400, R"({"message":"state is invalid"})");
    }
    return HttpResponse::Json(201, json{{"status", state}}.dump());
  });
  ASSERT_TRUE(gitlab.Start().ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(gitlab.port()) + "/api/v4";
  GitLabClient client(base, "glpat-x", HttpClientOptions{.max_retries = 0});
  CommitStatus s;
  s.repository = "group/app";
  s.sha = "a1b2c3d4e5f6";
  s.ref = "main";
  s.target_url = "https://kelola.example/runs/r1";
  s.description = "tests passed";
  for (CommitState st : {CommitState::kPending, CommitState::kRunning, CommitState::kSuccess, CommitState::kError,
                         CommitState::kCancelled}) {
    s.state = st;
    ASSERT_TRUE(client.SetCommitStatus(s).ok());
  }
  {
    std::lock_guard<std::mutex> l(mu);
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got[0].first, "/api/v4/projects/group%2Fapp/statuses/a1b2c3d4e5f6");
    EXPECT_EQ(got[0].second["state"], "pending");
    EXPECT_EQ(got[0].second["ref"], "main");
    EXPECT_EQ(got[0].second["name"], "kelola");
    EXPECT_EQ(got[0].second["target_url"], "https://kelola.example/runs/r1");
    EXPECT_EQ(got[1].second["state"], "running");
    EXPECT_EQ(got[2].second["state"], "success");
    EXPECT_EQ(got[3].second["state"], "failed");
    EXPECT_EQ(got[4].second["state"], "canceled");
  }
  GitLabClient bad(base, "wrong", HttpClientOptions{.max_retries = 0});
  EXPECT_EQ(bad.SetCommitStatus(s).code(), StatusCode::kUnauthenticated);
  gitlab.Stop();
}

}  // namespace
}  // namespace kelola
