// Forge: what the pipeline domain needs from GitHub or GitLab — today,
// reporting a run's result on its commit. Implemented in
// src/integrations/github and src/integrations/gitlab.
#pragma once

#include <string>

#include "base/status.h"

namespace kelola {

enum class CommitState { kPending, kRunning, kSuccess, kFailure, kError, kCancelled };

struct CommitStatus {
  std::string repository;  // "owner/name" (GitLab: project id or full path)
  std::string sha;
  std::string ref;  // GitLab uses it to pick the pipeline; optional
  CommitState state = CommitState::kPending;
  std::string target_url;   // link to the run
  std::string description;  // short; forges cap it (GitHub: 140 characters)
  std::string context = "kelola";
};

class Forge {
 public:
  virtual ~Forge() = default;
  // Unavailable/DeadlineExceeded: retry later; PermissionDenied,
  // Unauthenticated, NotFound, InvalidArgument: the forge refused it.
  virtual Status SetCommitStatus(const CommitStatus& status) = 0;
};

// Maps an HTTP status from a forge API to a Status (2xx = OK).
Status ForgeHttpStatus(int http_status, const std::string& what, const std::string& body);

}  // namespace kelola
