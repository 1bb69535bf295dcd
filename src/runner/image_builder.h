// ImageBuilder: the `build` and `push` steps of a pipeline. The real
// implementation is DockerImageBuilder (src/integrations/docker: the Docker
// Engine API's POST /build and push, the registry API to verify).
//
// Output lines (build output, push progress) are masked with `secrets`
// before `on_line` gets them. A build that fails reports the failing
// instruction and the engine's message; a push returns the digest the
// registry stored, checked against the registry's own answer.
// Errors: InvalidArgument for a bad request or a failing build (with the
// instruction: "Step 3/4 : RUN make: The command ... returned a non-zero
// code: 2"), NotFound for a missing context or Dockerfile, PermissionDenied
// when the registry refuses the credentials, Unavailable when the engine
// or the registry cannot be reached, Cancelled when cancelled.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "runner/step_cancel.h"

namespace kelola {

struct ImageBuildRequest {
  std::string context_dir;        // host directory (the workspace, or a folder in it)
  std::string dockerfile;         // relative to context_dir; "" = "Dockerfile"
  std::vector<std::string> tags;  // "registry:5000/app:1.2"; the first names the image
  std::map<std::string, std::string> build_args;
  std::map<std::string, std::string> labels;
  std::vector<std::string> secrets;  // masked in output and errors
};

struct BuiltImage {
  std::string id;  // "sha256:..."
  std::vector<std::string> tags;
};

// Registry credentials are secrets: never logged, never in an error.
struct RegistryCredentials {
  std::string username;
  std::string password;        // or an access token
  std::string server_address;  // "127.0.0.1:5000"; "" = the image's registry
  bool empty() const { return username.empty() && password.empty(); }
};

struct PushedImage {
  std::string repository;  // "127.0.0.1:5000/app"
  std::string tag;         // "1.2"
  std::string digest;      // "sha256:..."
  // "127.0.0.1:5000/app@sha256:..." — what a deploy should run.
  std::string PinnedReference() const { return repository + "@" + digest; }
};

using ImageLineFn = std::function<void(std::string_view line)>;

class ImageBuilder {
 public:
  virtual ~ImageBuilder() = default;
  virtual Result<BuiltImage> Build(const ImageBuildRequest& request, const ImageLineFn& on_line,
                                   StepCancel& cancel) = 0;
  // Pushes `repository:tag` (already tagged locally) with `credentials`.
  virtual Result<PushedImage> Push(const std::string& repository, const std::string& tag,
                                   const RegistryCredentials& credentials, const std::vector<std::string>& secrets,
                                   const ImageLineFn& on_line, StepCancel& cancel) = 0;
};

}  // namespace kelola
