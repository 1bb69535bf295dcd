// GitLabClient: GitLab's commit status API, on HttpClient.
//
//   POST /projects/:id/statuses/:sha
//   {state: pending|running|success|failed|canceled, ref, name, target_url, description}
//
// `:id` is the numeric project id or the URL-encoded full path
// ("group%2Fapp"). Authenticated with the PRIVATE-TOKEN header. The base URL
// is https://gitlab.com/api/v4 or a self-managed instance's /api/v4. The
// token is never logged. Thread-safe.
#pragma once

#include <string>

#include "net/http_client.h"
#include "pipeline/forge.h"

namespace kelola {

inline constexpr const char* kGitLabApiUrl = "https://gitlab.com/api/v4";

class GitLabClient final : public Forge {
 public:
  GitLabClient(std::string api_url, std::string token, HttpClientOptions options = {});
  // `status.repository` is the project id or full path.
  Status SetCommitStatus(const CommitStatus& status) override;

 private:
  std::string api_url_;
  std::string token_;
  HttpClient http_;
};

const char* GitLabState(CommitState state);

}  // namespace kelola
