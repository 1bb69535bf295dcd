#include "pipeline/run_artifact.h"

#include <filesystem>

namespace kelola {

bool IsPlainRelativePath(const std::string& path) {
  if (path.empty() || path[0] == '/') return false;
  for (const auto& part : std::filesystem::path(path)) {
    if (part == ".." || part == "." || part.empty()) return false;
  }
  return true;
}

Result<std::string> ArtifactFilePath(const std::string& artifacts_dir, const std::string& run_id,
                                     const std::string& path) {
  if (run_id.empty() || run_id.find('/') != std::string::npos || !IsPlainRelativePath(run_id)) {
    return InvalidArgumentError("run id \"" + run_id + "\" is not valid");
  }
  if (!IsPlainRelativePath(path)) return InvalidArgumentError("path: \"" + path + "\" is not a relative artifact path");
  return artifacts_dir + "/" + run_id + "/" + path;
}

}  // namespace kelola
