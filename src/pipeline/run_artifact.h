// Where a run's kept artifacts live: ARTIFACTS_DIR/<run id>/<path>, the
// path relative to the run's workspace (kept by src/runworker/artifacts.h,
// served by GET /v1/runs/{id}/artifact?path=).
#pragma once

#include <string>

#include "base/status.h"

namespace kelola {

// A relative path with no "." or ".." part and no leading '/'.
bool IsPlainRelativePath(const std::string& path);

// The file of artifact `path` of run `run_id`, or InvalidArgument naming
// what is wrong with either.
Result<std::string> ArtifactFilePath(const std::string& artifacts_dir, const std::string& run_id,
                                     const std::string& path);

}  // namespace kelola
