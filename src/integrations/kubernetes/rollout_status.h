// RolloutStatus: whether a Deployment's rollout is done, still going, or
// failed, decided exactly as `kubectl rollout status` decides it (kubectl's
// DeploymentStatusViewer), from the Deployment object alone:
//
//   generation > status.observedGeneration        -> waiting (spec not seen yet)
//   Progressing condition reason ProgressDeadlineExceeded -> failed
//   status.updatedReplicas < spec.replicas        -> waiting (N of M updated)
//   status.replicas > status.updatedReplicas      -> waiting (old pending termination)
//   status.availableReplicas < updatedReplicas    -> waiting (N of M available)
//   otherwise                                     -> done
//
// Pure: tested as a table in rollout_status_test.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

// The fields of a Deployment that the decision reads.
struct DeploymentState {
  std::string name;
  int64_t generation = 0;
  int64_t observed_generation = 0;
  std::optional<int64_t> spec_replicas;  // absent: the server defaults it to 1
  int64_t replicas = 0;
  int64_t updated_replicas = 0;
  int64_t available_replicas = 0;
  std::string progressing_reason;  // reason of the Progressing condition, "" when none
  std::string resource_version;
  std::string revision;  // annotation deployment.kubernetes.io/revision
};

enum class RolloutPhase { kWaiting, kDone, kFailed };

struct RolloutVerdict {
  RolloutPhase phase = RolloutPhase::kWaiting;
  std::string message;  // kubectl's wording
};

RolloutVerdict DecideRollout(const DeploymentState& state);

// Reads a Deployment's JSON (as the API returns it). InvalidArgument when it
// is not JSON or not a Deployment.
Result<DeploymentState> ParseDeploymentState(std::string_view json);

}  // namespace kelola
