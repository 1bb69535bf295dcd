// The decision table of `kubectl rollout status` for Deployments
// (kubectl's DeploymentStatusViewer), case by case.
#include "integrations/kubernetes/rollout_status.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

struct Case {
  const char* what;
  DeploymentState state;
  RolloutPhase phase;
  const char* message;
};

DeploymentState State(int64_t generation, int64_t observed, std::optional<int64_t> spec, int64_t replicas,
                      int64_t updated, int64_t available, const char* reason = "") {
  DeploymentState s;
  s.name = "web";
  s.generation = generation;
  s.observed_generation = observed;
  s.spec_replicas = spec;
  s.replicas = replicas;
  s.updated_replicas = updated;
  s.available_replicas = available;
  s.progressing_reason = reason;
  return s;
}

TEST(RolloutStatusTest, MatchesKubectlsDecisionTable) {
  const Case cases[] = {
      {"spec not observed yet", State(2, 1, 3, 3, 3, 3), RolloutPhase::kWaiting,
       "Waiting for deployment spec update to be observed..."},
      {"unobserved spec wins over a deadline", State(3, 2, 3, 3, 1, 1, "ProgressDeadlineExceeded"),
       RolloutPhase::kWaiting, "Waiting for deployment spec update to be observed..."},
      {"deadline exceeded", State(2, 2, 3, 4, 1, 3, "ProgressDeadlineExceeded"), RolloutPhase::kFailed,
       "deployment \"web\" exceeded its progress deadline"},
      {"new replicas being updated", State(1, 1, 3, 3, 1, 1), RolloutPhase::kWaiting,
       "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated..."},
      {"old replicas pending termination", State(1, 1, 3, 5, 3, 3), RolloutPhase::kWaiting,
       "Waiting for deployment \"web\" rollout to finish: 2 old replicas are pending termination..."},
      {"updated but not available", State(1, 1, 3, 3, 3, 2), RolloutPhase::kWaiting,
       "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available..."},
      {"done", State(4, 4, 3, 3, 3, 3, "NewReplicaSetAvailable"), RolloutPhase::kDone,
       "deployment \"web\" successfully rolled out"},
      {"observed newer than generation counts as observed", State(1, 2, 2, 2, 2, 2), RolloutPhase::kDone,
       "deployment \"web\" successfully rolled out"},
      {"no spec.replicas skips the updated check", State(1, 1, std::nullopt, 2, 1, 1), RolloutPhase::kWaiting,
       "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination..."},
      {"scaled to zero is done", State(1, 1, 0, 0, 0, 0), RolloutPhase::kDone,
       "deployment \"web\" successfully rolled out"},
      {"other Progressing reasons do not fail", State(1, 1, 2, 2, 2, 1, "ReplicaSetUpdated"), RolloutPhase::kWaiting,
       "Waiting for deployment \"web\" rollout to finish: 1 of 2 updated replicas are available..."},
  };
  for (const auto& c : cases) {
    const RolloutVerdict v = DecideRollout(c.state);
    EXPECT_EQ(v.phase, c.phase) << c.what;
    EXPECT_EQ(v.message, c.message) << c.what;
  }
}

TEST(RolloutStatusTest, ParsesTheFieldsTheDecisionReads) {
  auto s = ParseDeploymentState(R"({"kind":"Deployment","metadata":{"name":"api","generation":5,
    "resourceVersion":"812","annotations":{"deployment.kubernetes.io/revision":"3"}},
    "spec":{"replicas":4},"status":{"observedGeneration":5,"replicas":5,"updatedReplicas":2,
    "availableReplicas":4,"conditions":[{"type":"Available","reason":"MinimumReplicasAvailable"},
    {"type":"Progressing","reason":"ProgressDeadlineExceeded"}]}})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->name, "api");
  EXPECT_EQ(s->generation, 5);
  EXPECT_EQ(s->observed_generation, 5);
  EXPECT_EQ(s->spec_replicas, 4);
  EXPECT_EQ(s->replicas, 5);
  EXPECT_EQ(s->updated_replicas, 2);
  EXPECT_EQ(s->available_replicas, 4);
  EXPECT_EQ(s->progressing_reason, "ProgressDeadlineExceeded");
  EXPECT_EQ(s->resource_version, "812");
  EXPECT_EQ(s->revision, "3");
  EXPECT_EQ(DecideRollout(*s).phase, RolloutPhase::kFailed);
}

TEST(RolloutStatusTest, AFreshDeploymentWithoutStatusIsWaiting) {
  auto s = ParseDeploymentState(R"({"kind":"Deployment","metadata":{"name":"x","generation":1},"spec":{}})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(DecideRollout(*s).phase, RolloutPhase::kWaiting);
}

TEST(RolloutStatusTest, RefusesWhatIsNotADeployment) {
  EXPECT_EQ(ParseDeploymentState("not json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDeploymentState(R"({"kind":"Pod"})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDeploymentState("[1]").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola
