#include "runworker/docker_backend.h"

namespace kelola {

Status DockerBackend::Connect() {
  std::lock_guard<std::mutex> l(mu_);
  if (client_) return OkStatus();
  auto client = docker::DockerClient::Connect(options_);
  if (!client.ok())
    return UnavailableError("Docker engine at " + options_.socket_path + ": " + client.status().message());
  client_ = std::move(*client);
  registry_ = std::make_unique<docker::RegistryClient>();
  containers_ = std::make_unique<docker::ContainerStepExecutor>(*client_);
  images_ = std::make_unique<docker::DockerImageBuilder>(*client_, *registry_);
  return OkStatus();
}

Result<StepExecutor*> DockerBackend::ContainerSteps() {
  KELOLA_RETURN_IF_ERROR(Connect());
  return static_cast<StepExecutor*>(containers_.get());
}

Result<ImageBuilder*> DockerBackend::Images() {
  KELOLA_RETURN_IF_ERROR(Connect());
  return static_cast<ImageBuilder*>(images_.get());
}

}  // namespace kelola
