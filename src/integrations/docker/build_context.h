// WriteBuildContext: writes a directory as the tar archive POST /build
// expects (libarchive, pax/ustar), leaving out what the context's
// .dockerignore excludes — except the Dockerfile and .dockerignore
// themselves, which the engine always needs (as the Docker CLI does).
//
// Entries are written in sorted order, owned by 0:0, with their mode and
// mtime; symlinks are stored as links (never followed, so a link cannot pull
// a file from outside the context); sockets, FIFOs and devices are skipped.
// An excluded directory is not descended into unless an exception ("!")
// pattern exists, which may re-include something below it.
//
// Errors: NotFound when the context directory or the Dockerfile is missing,
// InvalidArgument for a .dockerignore that does not parse (with its line) or
// a Dockerfile path outside the context, Internal when writing fails.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace kelola::docker {

struct BuildContextStats {
  uint64_t files = 0;
  uint64_t directories = 0;
  uint64_t symlinks = 0;
  uint64_t excluded = 0;  // entries left out (an excluded directory counts once)
  uint64_t bytes = 0;     // file content written
};

// `dockerfile` is relative to `context_dir` ("Dockerfile" when empty).
Result<BuildContextStats> WriteBuildContext(const std::string& context_dir, const std::string& dockerfile,
                                            const std::string& tar_path);

}  // namespace kelola::docker
