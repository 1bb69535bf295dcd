#include "pipeline/forge_event.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace kelola {
namespace {

std::string Payload(const std::string& path) {
  std::ifstream in("/work/shared/data/github-webhooks/" + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ForgeEventTest, GitHubTagDeletionExampleIsIgnored) {
  std::string body = Payload("push/payload.json");
  if (body.empty()) GTEST_SKIP() << "the shared webhook examples are not here";
  auto e = ParseGitHubEvent("push", body);  // deletes refs/tags/simple-tag
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->kind, ForgeEventKind::kIgnored);
  EXPECT_NE(e->ignored_reason.find("refs/tags/simple-tag"), std::string::npos);
}

TEST(ForgeEventTest, GitHubPushToANewBranchListsItsFiles) {
  std::string body = Payload("push/with-new-branch.payload.json");
  if (body.empty()) GTEST_SKIP() << "the shared webhook examples are not here";
  auto e = ParseGitHubEvent("push", body);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->kind, ForgeEventKind::kPush) << e->ignored_reason;
  EXPECT_EQ(e->ref, "refs/heads/master");
  EXPECT_EQ(e->branch, "master");
  EXPECT_EQ(e->sha, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
  EXPECT_EQ(e->repository, "Codertocat/Hello-World");
  EXPECT_EQ(e->clone_url, "https://github.com/Codertocat/Hello-World.git");
  EXPECT_FALSE(e->changed_paths.empty());
}

TEST(ForgeEventTest, GitHubPingAndPullRequest) {
  std::string ping = Payload("ping/payload.json");
  std::string pr = Payload("pull_request/opened.payload.json");
  std::string closed = Payload("pull_request/closed.payload.json");
  if (ping.empty() || pr.empty()) GTEST_SKIP() << "the shared webhook examples are not here";
  auto p = ParseGitHubEvent("ping", ping);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->kind, ForgeEventKind::kPing);
  EXPECT_GT(p->hook_id, 0);
  auto opened = ParseGitHubEvent("pull_request", pr);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->kind, ForgeEventKind::kPullRequest);
  EXPECT_GT(opened->pull_request, 0);
  EXPECT_EQ(opened->sha.size(), 40u);
  EXPECT_FALSE(opened->target_branch.empty());
  EXPECT_EQ(opened->ref, "refs/pull/" + std::to_string(opened->pull_request) + "/head");
  auto c = ParseGitHubEvent("pull_request", closed);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, ForgeEventKind::kIgnored);
}

TEST(ForgeEventTest, GitHubTagPushDeletionAndOtherEvents) {
  auto tag = ParseGitHubEvent("push", R"({"ref":"refs/tags/v1.2","after":"abc","repository":{"full_name":"o/r"}})");
  ASSERT_TRUE(tag.ok()) << tag.status().ToString();
  EXPECT_EQ(tag->kind, ForgeEventKind::kTag);
  EXPECT_EQ(tag->tag, "v1.2");
  auto del = ParseGitHubEvent(
      "push",
      R"({"ref":"refs/heads/x","deleted":true,"after":"0000000000000000000000000000000000000000","repository":{"full_name":"o/r"}})");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->kind, ForgeEventKind::kIgnored);
  auto release = ParseGitHubEvent("release", R"({"action":"published"})");
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(release->kind, ForgeEventKind::kIgnored);
}

TEST(ForgeEventTest, BadBodiesNameTheProblem) {
  EXPECT_EQ(ParseGitHubEvent("push", "not json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseGitHubEvent("push", "[]").status().code(), StatusCode::kInvalidArgument);
  auto no_repo = ParseGitHubEvent("push", R"({"ref":"refs/heads/main","after":"abc"})");
  EXPECT_NE(no_repo.status().message().find("repository.full_name"), std::string::npos);
  auto wrong_types = ParseGitHubEvent("push", R"({"ref":5,"after":[],"deleted":"yes"})");
  EXPECT_EQ(wrong_types.status().code(), StatusCode::kInvalidArgument);
  auto odd_ref = ParseGitHubEvent("push", R"({"ref":"refs/notes/x","after":"a","repository":{"full_name":"o/r"}})");
  EXPECT_EQ(odd_ref.status().code(), StatusCode::kInvalidArgument);
}

TEST(ForgeEventTest, GitLabPushTagAndMergeRequest) {
  const std::string push = R"({"object_kind":"push","ref":"refs/heads/main","before":"b","after":"a1",
    "checkout_sha":"a1","user_username":"jsmith","total_commits_count":1,
    "project":{"path_with_namespace":"group/app","git_http_url":"https://gitlab.example/group/app.git"},
    "commits":[{"message":"fix","added":["src/a.c"],"modified":["README.md"],"removed":[]}]})";
  auto p = ParseGitLabEvent("Push Hook", push);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->kind, ForgeEventKind::kPush);
  EXPECT_EQ(p->branch, "main");
  EXPECT_EQ(p->sha, "a1");
  EXPECT_EQ(p->repository, "group/app");
  EXPECT_EQ(p->changed_paths, (std::vector<std::string>{"README.md", "src/a.c"}));
  EXPECT_EQ(ParseGitLabEvent("Tag Push Hook", push).status().code(), StatusCode::kInvalidArgument);
  auto tag = ParseGitLabEvent(
      "Tag Push Hook",
      R"({"ref":"refs/tags/v2","after":"t1","checkout_sha":"t1","project":{"path_with_namespace":"g/a"}})");
  ASSERT_TRUE(tag.ok()) << tag.status().ToString();
  EXPECT_EQ(tag->kind, ForgeEventKind::kTag);
  auto mr = ParseGitLabEvent("Merge Request Hook", R"({"object_kind":"merge_request","user":{"username":"u"},
    "project":{"path_with_namespace":"g/a"},"object_attributes":{"iid":7,"action":"open","source_branch":"feat",
    "target_branch":"main","last_commit":{"id":"m1"},"url":"https://gitlab.example/g/a/-/merge_requests/7"}})");
  ASSERT_TRUE(mr.ok()) << mr.status().ToString();
  EXPECT_EQ(mr->kind, ForgeEventKind::kPullRequest);
  EXPECT_EQ(mr->pull_request, 7);
  EXPECT_EQ(mr->target_branch, "main");
  auto note = ParseGitLabEvent("Note Hook", "{}");
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note->kind, ForgeEventKind::kIgnored);
}

}  // namespace
}  // namespace kelola
