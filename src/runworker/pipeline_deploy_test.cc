#include "runworker/pipeline_deploy.h"

#include <gtest/gtest.h>

#include "engine/fake_store_for_test.h"

namespace kelola {
namespace {

class PipelineDeployTest : public ::testing::Test {
 protected:
  PipelineDeployTest() : store_(clock_) {
    Resource t;
    t.kind = "Target";
    t.name = "prod";
    t.spec_json = R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"role":"web"}}})";
    EXPECT_TRUE(store_.PutResource(t, {}).ok());
    pipeline_.name = "shop";
    pipeline_.deploy_target = "prod";
    run_.id = "run-1";
    run_.sha = "0123456789abcdef0123456789abcdef01234567";
    run_.images.push_back({"127.0.0.1:5000/shop:latest", "sha256:" + std::string(64, 'b'),
                           "127.0.0.1:5000/shop@sha256:" + std::string(64, 'b')});
  }
  void MarkBad(const std::string& release) {
    Resource r = store_.GetResource("Release", release).value();
    ReleaseStatus s;
    s.state = ReleaseState::kRolledBack;
    s.bad = true;
    r.status_json = EncodeReleaseStatus(s);
    ASSERT_TRUE(store_.PutResource(r, {}).ok());
  }

  FakeClock clock_;
  FakeStore store_;
  PipelineSpec pipeline_;
  kelola::Run run_;
};

TEST_F(PipelineDeployTest, DeploysThePushedImageByDigestWithTheRun) {
  auto r = DeployRunImage(store_, pipeline_, run_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spec.name, "prod-1");
  EXPECT_EQ(r->spec.image, "127.0.0.1:5000/shop:latest");
  EXPECT_EQ(r->spec.image_digest, run_.images[0].pinned);
  EXPECT_EQ(r->spec.commit, run_.sha);
  EXPECT_EQ(r->spec.trigger.kind, "pipeline");
  EXPECT_EQ(r->spec.trigger.by, "Pipeline/shop");
  EXPECT_EQ(r->spec.trigger.run, "run-1");
  EXPECT_EQ(r->status.state, ReleaseState::kPending);
}

TEST_F(PipelineDeployTest, ARolledBackCommitIsNotDeployedAgainUnlessForced) {
  ASSERT_TRUE(DeployRunImage(store_, pipeline_, run_).ok());
  MarkBad("prod-1");
  run_.id = "run-2";
  auto refused = DeployRunImage(store_, pipeline_, run_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAborted);
  EXPECT_NE(refused.status().message().find("prod-1"), std::string::npos) << refused.status().message();
  // Another commit goes out.
  run_.sha = "fedcba9876543210fedcba9876543210fedcba98";
  EXPECT_TRUE(DeployRunImage(store_, pipeline_, run_).ok());
  // The bad one only when the pipeline says force.
  run_.sha = "0123456789abcdef0123456789abcdef01234567";
  pipeline_.deploy_force = true;
  auto forced = DeployRunImage(store_, pipeline_, run_);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_TRUE(forced->spec.force);
}

TEST_F(PipelineDeployTest, ARunWithoutAPushedImageHasNothingToDeploy) {
  run_.images.clear();
  auto r = DeployRunImage(store_, pipeline_, run_);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "deploy to prod: the run pushed no image (add a push step to .kelola.yml)");
}

}  // namespace
}  // namespace kelola
