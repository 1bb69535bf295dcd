// DockerBackend: the Docker-backed parts of a run — ContainerStepExecutor
// and DockerImageBuilder — on one DockerClient, connected on first use (a
// server without a Docker engine still runs host steps; an image, build or
// push step then ends its run as error with the engine's message, and the
// next such step tries to connect again).
// Thread-safety: every method may be called from several threads.
#pragma once

#include <memory>
#include <mutex>

#include "integrations/docker/container_step_executor.h"
#include "integrations/docker/docker_client.h"
#include "integrations/docker/docker_image_builder.h"
#include "integrations/docker/registry_client.h"

namespace kelola {

class DockerBackend {
 public:
  explicit DockerBackend(docker::DockerClientOptions options = {}) : options_(std::move(options)) {}
  Result<StepExecutor*> ContainerSteps();
  Result<ImageBuilder*> Images();

 private:
  Status Connect();
  docker::DockerClientOptions options_;
  std::mutex mu_;
  std::unique_ptr<docker::DockerClient> client_;
  std::unique_ptr<docker::RegistryClient> registry_;
  std::unique_ptr<docker::ContainerStepExecutor> containers_;
  std::unique_ptr<docker::DockerImageBuilder> images_;
};

}  // namespace kelola
