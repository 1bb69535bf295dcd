// DockerImageBuilder: ImageBuilder on the Docker engine and the registry.
//
// Build: writes the context directory as a tar (WriteBuildContext,
// honouring .dockerignore) to a temporary file, streams it to POST /build,
// tags the result with every requested tag and removes the tar. Push:
// pushes repository:tag with X-Registry-Auth, takes the digest from the
// engine's progress stream, then asks the registry itself (HEAD
// /v2/<repo>/manifests/<tag>) and fails unless both agree — the digest a
// run records is the one the registry serves.
// Output lines and error messages are masked with the request's secrets.
// Thread-safety: as DockerClient and RegistryClient (several threads).
#pragma once

#include "integrations/docker/docker_client.h"
#include "integrations/docker/registry_client.h"
#include "runner/image_builder.h"

namespace kelola::docker {

class DockerImageBuilder : public ImageBuilder {
 public:
  DockerImageBuilder(DockerClient& docker, RegistryClient& registry) : docker_(docker), registry_(registry) {}

  Result<BuiltImage> Build(const ImageBuildRequest& request, const ImageLineFn& on_line, StepCancel& cancel) override;
  Result<PushedImage> Push(const std::string& repository, const std::string& tag,
                           const RegistryCredentials& credentials, const std::vector<std::string>& secrets,
                           const ImageLineFn& on_line, StepCancel& cancel) override;

 private:
  DockerClient& docker_;
  RegistryClient& registry_;
};

}  // namespace kelola::docker
