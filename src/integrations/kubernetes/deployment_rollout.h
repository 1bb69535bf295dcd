// DeploymentRollout: rolls a Kubernetes Deployment to a new image and waits
// for the outcome like `kubectl rollout status`, rolling back like
// `kubectl rollout undo` when it fails.
//
// 1. The manifest (YAML of one apps/v1 Deployment) gets the image in place
//    of every `{{image}}` and is applied with server-side apply:
//    PATCH ...?fieldManager=kelola&force=true, application/apply-patch+yaml.
//    The server creates or updates it and merges with fields other managers
//    own (an HPA's replicas, say); force takes over fields kelola applied
//    before but someone changed by hand.
// 2. The Deployment is watched from the applied resourceVersion; each event
//    is decided by DecideRollout (rollout_status.h). A dropped stream resumes
//    from the last resourceVersion seen; 410 Gone re-reads the object.
// 3. On failure (ProgressDeadlineExceeded, or `timeout`), the pod template of
//    the previous revision's ReplicaSet (owned by the Deployment, ordered by
//    deployment.kubernetes.io/revision) is written back with a PUT that
//    retries on 409, and that rollback is awaited the same way.
//
// API errors (unreachable server, 403, 422 with the API's message) are a
// non-OK Result; a rollout that ran and failed is an OK Result with
// succeeded = false.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "integrations/kubernetes/kube_client.h"
#include "integrations/kubernetes/rollout_status.h"

namespace kelola {

struct RolloutProgress {
  int64_t desired = 0;
  int64_t updated = 0;
  int64_t available = 0;
  int64_t old_remaining = 0;  // replicas of older templates still running
  std::string message;        // kubectl's wording
};

struct DeploymentRolloutOptions {
  std::string manifest;  // YAML with the placeholder
  std::string image;     // put in place of the placeholder
  std::string placeholder = "{{image}}";
  std::string namespace_name;                                   // used when the manifest names none; "" = "default"
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // whole wait, each of rollout and rollback
  bool rollback_on_failure = true;
  std::function<void(const RolloutProgress&)> on_progress;
  std::function<bool()> keep_going;  // false cancels the wait (Cancelled)
};

struct DeploymentRolloutOutcome {
  bool succeeded = false;
  bool rolled_back = false;
  std::string message;       // what happened, in one line
  std::string revision;      // the Deployment's revision at the end
  int watch_reconnects = 0;  // streams resumed after a drop
};

Result<DeploymentRolloutOutcome> RunDeploymentRollout(KubeClient& client, const DeploymentRolloutOptions& options);

// The pieces, for tests and for callers that need only one.
struct DeploymentRef {
  std::string namespace_name;
  std::string name;
  std::string Path() const { return "/apis/apps/v1/namespaces/" + namespace_name + "/deployments/" + name; }
};
// Substitutes the image and checks the result is one apps/v1 Deployment.
// InvalidArgument naming the problem. `image` must look like an image
// reference (no spaces, quotes or YAML syntax).
Result<std::string> RenderDeploymentManifest(const DeploymentRolloutOptions& options, DeploymentRef* ref);
// Waits until the rollout of `ref` is done or failed (or `timeout`);
// starts from the object JSON `current` (as returned by apply or GET).
struct WaitResult {
  RolloutPhase phase = RolloutPhase::kWaiting;  // kWaiting when timed out
  std::string message;
  std::string revision;
};
Result<WaitResult> WaitForDeploymentRollout(KubeClient& client, const DeploymentRef& ref, const std::string& current,
                                            const DeploymentRolloutOptions& options, int* watch_reconnects);
// Writes back the pod template of the ReplicaSet of the revision before the
// current one. NotFound when there is none. Returns the Deployment JSON.
// `*writes` receives how many PUTs it took (more than 1 after a conflict).
Result<std::string> RollbackDeployment(KubeClient& client, const DeploymentRef& ref, int* writes = nullptr);

}  // namespace kelola
