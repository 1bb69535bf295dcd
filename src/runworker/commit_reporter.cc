#include "runworker/commit_reporter.h"

#include <thread>

#include "base/logging.h"
#include "integrations/github/github_client.h"
#include "integrations/gitlab/gitlab_client.h"

namespace kelola {

std::unique_ptr<Forge> MakeForgeClient(const PipelineSpec& pipeline, const std::string& token) {
  if (pipeline.forge == "gitlab") return std::make_unique<GitLabClient>(pipeline.api_url, token);
  return std::make_unique<GitHubClient>(pipeline.api_url, token);
}

std::string CommitReporter::RunUrl(const std::string& run_id) const {
  std::string base = external_url_;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/runs/" + run_id;
}

Status CommitReporter::Report(const PipelineSpec& pipeline, const Run& run, CommitState state,
                              const std::string& description) {
  if (pipeline.token_secret.empty() || run.sha.empty()) return OkStatus();
  auto token = secrets_(pipeline.token_secret);
  if (!token.ok()) {
    LogWarn("commit status not posted: token secret unavailable",
            {{"run", run.id}, {"secret", pipeline.token_secret}, {"error", token.status().ToString()}});
    return token.status();
  }
  std::unique_ptr<Forge> forge = forges_(pipeline, *token);
  CommitStatus status;
  status.repository =
      pipeline.forge == "gitlab" && !pipeline.project_id.empty() ? pipeline.project_id : pipeline.repository;
  status.sha = run.sha;
  status.ref = run.branch.empty() ? run.tag : run.branch;
  status.state = state;
  status.target_url = RunUrl(run.id);
  status.description = description.size() > 140 ? description.substr(0, 137) + "..." : description;
  status.context = "kelola/" + pipeline.name;
  Status st;
  for (int attempt = 0; attempt < 3; ++attempt) {
    st = forge->SetCommitStatus(status);
    if (st.ok() || (st.code() != StatusCode::kUnavailable && st.code() != StatusCode::kDeadlineExceeded)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
  }
  if (!st.ok()) {
    LogWarn("commit status not posted", {{"run", run.id}, {"sha", run.sha}, {"error", st.ToString()}});
  }
  return st;
}

}  // namespace kelola
