// Artifacts: the files a step's `artifacts:` globs name, kept with the run
// after its workspace is deleted (DATA_DIR/runs/artifacts/<run id>/<path>),
// listed on the run and downloaded with GET /v1/runs/{id}/artifact?path=.
//
// Globs are relative to the workspace (pipeline/glob.h: `*`, `**`, `?`);
// one that leaves it (absolute, "..") is InvalidArgument; symbolic links
// are not followed (a link could point anywhere on the runner). A run keeps
// at most `max_bytes` in all; more is ResourceExhausted and nothing of that
// step is kept.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/run.h"

namespace kelola {

// Copies the matching regular files from `workspace` to `dest_dir` (keeping
// their relative paths) and returns them with size and sha256, sorted by
// path. `used_bytes`: what the run already keeps.
Result<std::vector<RunArtifact>> KeepArtifacts(const std::string& workspace, const std::vector<std::string>& globs,
                                               const std::string& dest_dir, uint64_t used_bytes, uint64_t max_bytes);

}  // namespace kelola
