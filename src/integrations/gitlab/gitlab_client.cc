#include "integrations/gitlab/gitlab_client.h"

#include <cctype>

#include <nlohmann/json.hpp>

namespace kelola {

const char* GitLabState(CommitState state) {
  switch (state) {
    case CommitState::kPending: return "pending";
    case CommitState::kRunning: return "running";
    case CommitState::kSuccess: return "success";
    case CommitState::kFailure:
    case CommitState::kError: return "failed";
    case CommitState::kCancelled: return "canceled";
  }
  return "failed";
}

GitLabClient::GitLabClient(std::string api_url, std::string token, HttpClientOptions options)
    : api_url_(api_url.empty() ? kGitLabApiUrl : std::move(api_url)), token_(std::move(token)), http_(options) {
  while (!api_url_.empty() && api_url_.back() == '/') api_url_.pop_back();
}

Status GitLabClient::SetCommitStatus(const CommitStatus& s) {
  if (s.repository.empty()) return InvalidArgumentError("GitLab project is empty");
  if (s.sha.size() < 7 || s.sha.size() > 64) return InvalidArgumentError("commit \"" + s.sha + "\" is not a SHA");
  for (char c : s.sha) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return InvalidArgumentError("commit \"" + s.sha + "\" is not a hex SHA");
    }
  }
  nlohmann::json body = {{"state", GitLabState(s.state)}, {"name", s.context.empty() ? "kelola" : s.context}};
  if (!s.ref.empty()) body["ref"] = s.ref;
  if (!s.target_url.empty()) body["target_url"] = s.target_url;
  if (!s.description.empty()) body["description"] = s.description.substr(0, 255);
  ClientRequest req;
  req.method = "POST";
  // PercentEncode turns the path's '/' into %2F, as GitLab wants for a project path.
  req.url = api_url_ + "/projects/" + PercentEncode(s.repository) + "/statuses/" + s.sha;
  req.headers["Content-Type"] = "application/json";
  req.headers["PRIVATE-TOKEN"] = token_;
  req.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  KELOLA_ASSIGN_OR_RETURN(ClientResponse r, http_.Send(req));
  return ForgeHttpStatus(r.status, "GitLab commit status for " + s.repository + "@" + s.sha, r.body);
}

}  // namespace kelola
