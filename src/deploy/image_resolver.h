// ImageResolver: turns the image a release asks for ("127.0.0.1:5000/web:v2")
// into the reference by digest every unit will run
// ("127.0.0.1:5000/web@sha256:..."), before anything is touched — so all
// hosts/replicas run the same bytes even if the tag moves mid-rollout.
// The daemon implements it with the OCI registry client
// (src/integrations/docker/registry_client.h, RegistryImageResolver in
// src/daemon/deploy_service.cc); unit tests with a map.
//
// Errors: NotFound "image ... not found in registry ..." (no such repository
// or tag), PermissionDenied (credentials refused), Unavailable (registry
// unreachable), InvalidArgument (not an image reference).
// Thread-safety: implementations may be called from several threads.
#pragma once

#include <string>

#include "base/status.h"

namespace kelola {

class ImageResolver {
 public:
  virtual ~ImageResolver() = default;
  virtual Result<std::string> ResolveDigest(const std::string& image) = 0;
};

}  // namespace kelola
