// ImageReference: an image name as Docker reads it —
// [registry-host[:port]/]path[:tag][@digest] — e.g.
// "127.0.0.1:5000/team/app:1.2", "debian:12" (Docker Hub, library/debian),
// "ghcr.io/o/app@sha256:...".
//
// The first component is a registry host when it holds a '.' or ':' or is
// "localhost" (Docker's rule); otherwise the image is on Docker Hub, whose
// API host is registry-1.docker.io and whose one-word names live under
// "library/". Path components are lowercase [a-z0-9] separated by '.', '_',
// "__" or '-'; tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
// Errors: InvalidArgument naming what is wrong.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola::docker {

struct ImageReference {
  std::string registry;    // "127.0.0.1:5000", "docker.io"
  std::string repository;  // "team/app", "library/debian"
  std::string tag;         // "" when absent
  std::string digest;      // "sha256:..." or ""

  // The name the engine uses ("127.0.0.1:5000/team/app"; Docker Hub images
  // keep their short form: "debian").
  std::string Name() const;
  // The host that serves the registry API.
  std::string ApiHost() const { return registry == "docker.io" ? "registry-1.docker.io" : registry; }
};

Result<ImageReference> ParseImageReference(std::string_view text);

}  // namespace kelola::docker
