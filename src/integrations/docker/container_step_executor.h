// ContainerStepExecutor: runs a step in a container through the Docker
// Engine API.
//
// The step's commands become a script (StepScript) in a scripts directory
// mounted read-only at /kelola-steps; the container runs `/bin/sh <script>`
// (entrypoint /bin/sh, so an image's own entrypoint does not get in the
// way), in /workspace (the workspace bind-mounted read-write) plus the
// step's working dir, with the step's env, labelled kelola.run=<run id> and
// kelola.step=<name> so RemoveRunContainers() can clean up after a crash.
// Output is read from GET /containers/{id}/logs?follow=1 (demultiplexed),
// masked as bytes (a secret split across frames is still masked), split
// into lines; the exit code comes from POST /containers/{id}/wait. A
// timeout or cancellation kills the container (SIGKILL). The container is
// removed in every case — success, failure, timeout, cancel, error.
// A missing image is pulled once (with `pull_credentials`) when
// `pull_missing` is set.
// Thread-safety: Run() may be called from several threads at once.
#pragma once

#include <memory>

#include "integrations/docker/docker_client.h"
#include "runner/step_executor.h"

namespace kelola::docker {

struct ContainerStepOptions {
  bool pull_missing = true;
  RegistryCredentials pull_credentials;
};

class ContainerStepExecutor : public StepExecutor {
 public:
  static constexpr const char* kRunLabel = "kelola.run";
  static constexpr const char* kStepLabel = "kelola.step";

  ContainerStepExecutor(DockerClient& docker, ContainerStepOptions options = {}, Clock& clock = SystemClock())
      : docker_(docker), options_(std::move(options)), clock_(clock) {}

  Result<StepOutcome> Run(const StepSpec& spec, const StepLineFn& on_line, StepCancel& cancel) override;

  // Removes every container labelled kelola.run=<run_id> (left by a crash).
  // Returns how many were removed.
  Result<int> RemoveRunContainers(const std::string& run_id);

 private:
  DockerClient& docker_;
  ContainerStepOptions options_;
  Clock& clock_;
};

}  // namespace kelola::docker
