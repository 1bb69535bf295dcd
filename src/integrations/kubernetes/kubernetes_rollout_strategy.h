// KubernetesRolloutStrategy: the RolloutStrategy (deploy/rollout_strategy.h)
// for `kubernetes` targets.
//
// Rollout(): connects with the target's credentials (Secrets read through
// the context, never logged: a CA, a bearer token, a client certificate and
// key, or a whole kubeconfig), applies the optional Service manifest and the
// Deployment manifest with the release's image digest (server-side apply),
// and watches the Deployment like `kubectl rollout status` (resuming a
// dropped watch). ProgressDeadlineExceeded or the target's rollout_timeout
// is DeadlineExceeded; `outcome.touched` names the Deployment once applied.
// It does not roll back itself: the release controller calls RollBack().
//
// RollBack(): like `kubectl rollout undo`: the pod template of the
// ReplicaSet of the revision before the current one is written back (PUT,
// retried on 409) and that rollout is awaited the same way.
// FailedPrecondition without a previous release.
#pragma once

#include "deploy/rollout_strategy.h"
#include "integrations/kubernetes/kube_client.h"

namespace kelola {

class KubernetesRolloutStrategy : public RolloutStrategy {
 public:
  // `http` is the base for every connection (timeouts; tests shorten them).
  explicit KubernetesRolloutStrategy(HttpClientOptions http = HttpClientOptions()) : http_(std::move(http)) {}

  Status Rollout(const RolloutContext& ctx, RolloutOutcome& outcome) override;
  Status RollBack(const RolloutContext& ctx, const RolloutOutcome& outcome) override;

 private:
  HttpClientOptions http_;
};

// The connection a kubernetes target describes, its Secrets read through
// `secret`. InvalidArgument naming the field when it is unusable.
Result<KubeConnection> KubeConnectionForTarget(const KubernetesTarget& target, const RolloutContext& ctx);

}  // namespace kelola
