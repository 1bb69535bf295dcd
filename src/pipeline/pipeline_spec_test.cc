#include "pipeline/pipeline_spec.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

ForgeEvent Push(const std::string& branch, std::vector<std::string> paths = {"src/main.cc"}) {
  ForgeEvent e;
  e.kind = ForgeEventKind::kPush;
  e.repository = "Acme/App";
  e.branch = branch;
  e.ref = "refs/heads/" + branch;
  e.sha = "abc";
  e.changed_paths = std::move(paths);
  return e;
}

PipelineSpec Spec(const std::string& json) {
  auto spec = DecodePipelineSpec("app", json);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? *spec : PipelineSpec{};
}

TEST(PipelineSpecTest, DecodesAndDefaults) {
  PipelineSpec p = Spec(R"({"forge":"github","repository":"acme/app","webhookSecret":"hook","hookId":42,
                            "cancelPrevious":true,"deployTarget":"prod","branches":["main"]})");
  EXPECT_EQ(p.events, (std::vector<std::string>{"push", "tag"}));
  EXPECT_EQ(p.hook_id, 42);
  EXPECT_TRUE(p.cancel_previous);
  EXPECT_EQ(p.deploy_target, "prod");
  EXPECT_FALSE(p.deploy_force);
  EXPECT_TRUE(Spec(R"({"forge":"github","repository":"a/b","webhookSecret":"s","deployForce":true})").deploy_force);
  EXPECT_FALSE(DecodePipelineSpec("x", R"({"forge":"bitbucket","repository":"a/b","webhookSecret":"s"})").ok());
  EXPECT_FALSE(DecodePipelineSpec("x", R"({"forge":"github","repository":"a/b"})").ok());
  EXPECT_FALSE(
      DecodePipelineSpec("x", R"({"forge":"github","repository":"a/b","webhookSecret":"s","events":["fork"]})").ok());
}

TEST(PipelineSpecTest, TriggerFilters) {
  PipelineSpec p = Spec(R"({"forge":"github","repository":"acme/app","webhookSecret":"s",
                            "branches":["main","release/*"],"paths":["src/**"]})");
  EXPECT_TRUE(DecideTrigger(p, Push("main")).run);  // repository compared case-insensitively
  EXPECT_TRUE(DecideTrigger(p, Push("release/2")).run);
  EXPECT_FALSE(DecideTrigger(p, Push("feature/x")).run);
  EXPECT_FALSE(DecideTrigger(p, Push("main", {"docs/readme.md"})).run);
  ForgeEvent truncated = Push("main", {"docs/readme.md"});
  truncated.changed_paths_complete = false;  // unknown changes: run rather than skip
  EXPECT_TRUE(DecideTrigger(p, truncated).run);
  ForgeEvent other = Push("main");
  other.repository = "acme/other";
  EXPECT_FALSE(DecideTrigger(p, other).run);

  ForgeEvent tag;
  tag.kind = ForgeEventKind::kTag;
  tag.repository = "acme/app";
  tag.tag = "v1.0";
  EXPECT_TRUE(
      DecideTrigger(Spec(R"({"forge":"github","repository":"acme/app","webhookSecret":"s","tags":["v*"]})"), tag).run);
  EXPECT_FALSE(
      DecideTrigger(Spec(R"({"forge":"github","repository":"acme/app","webhookSecret":"s","tags":["release-*"]})"), tag)
          .run);
  ForgeEvent pr = Push("feature");
  pr.kind = ForgeEventKind::kPullRequest;
  pr.target_branch = "main";
  EXPECT_FALSE(DecideTrigger(p, pr).run);  // not among the default events
  PipelineSpec with_pr = Spec(
      R"({"forge":"github","repository":"acme/app","webhookSecret":"s","events":["pull_request"],"branches":["main"]})");
  EXPECT_TRUE(DecideTrigger(with_pr, pr).run);  // filtered on the target branch
}

}  // namespace
}  // namespace kelola
