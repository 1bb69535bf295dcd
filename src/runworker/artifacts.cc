#include "runworker/artifacts.h"

#include <algorithm>
#include <filesystem>

#include "base/crypto.h"
#include "pipeline/glob.h"
#include "pipeline/run_artifact.h"

namespace kelola {

namespace fs = std::filesystem;

Result<std::vector<RunArtifact>> KeepArtifacts(const std::string& workspace, const std::vector<std::string>& globs,
                                               const std::string& dest_dir, uint64_t used_bytes, uint64_t max_bytes) {
  for (const std::string& g : globs) {
    if (!IsPlainRelativePath(g)) {
      return InvalidArgumentError("artifacts: \"" + g + "\" must be a path or glob inside the repository");
    }
  }
  std::vector<std::pair<std::string, uint64_t>> found;  // relative path, size
  std::error_code ec;
  fs::recursive_directory_iterator it(workspace, fs::directory_options::none, ec), end;
  if (ec) return InternalError("artifacts: reading the workspace: " + ec.message());
  uint64_t total = used_bytes;
  for (; it != end; it.increment(ec)) {
    if (ec) return InternalError("artifacts: reading the workspace: " + ec.message());
    if (it->path().filename() == ".git" && it->is_directory()) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->is_symlink()) continue;
    std::string rel = fs::relative(it->path(), workspace).generic_string();
    if (!AnyGlobMatches(globs, rel)) continue;
    uint64_t size = it->file_size();
    total += size;
    if (total > max_bytes) {
      return ResourceExhaustedError("artifacts: more than " + std::to_string(max_bytes >> 20) +
                                    " MiB for this run (at " + rel + ")");
    }
    found.emplace_back(rel, size);
  }
  std::sort(found.begin(), found.end());
  std::vector<RunArtifact> kept;
  for (const auto& [rel, size] : found) {
    fs::path dest = fs::path(dest_dir) / rel;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) return InternalError("artifacts: creating " + dest.parent_path().string() + ": " + ec.message());
    fs::copy_file(fs::path(workspace) / rel, dest, fs::copy_options::overwrite_existing, ec);
    if (ec) return InternalError("artifacts: copying " + rel + ": " + ec.message());
    KELOLA_ASSIGN_OR_RETURN(std::string sha, Sha256HexOfFile(dest.string()));
    kept.push_back(RunArtifact{.path = rel, .bytes = size, .sha256 = std::move(sha)});
  }
  return kept;
}

}  // namespace kelola
