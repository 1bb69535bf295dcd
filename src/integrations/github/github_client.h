// GitHubClient: the parts of GitHub's REST API kelola uses, on HttpClient.
//
// - commit statuses: POST /repos/{owner}/{repo}/statuses/{sha}
//   {state: pending|success|failure|error, target_url, description, context}
// - webhook deliveries: GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries
//   (per_page <= 100, paged by the `cursor` of the Link header's rel="next")
//   and POST .../deliveries/{delivery_id}/attempts (redelivery, 202).
//
// Every request carries Accept: application/vnd.github+json,
// X-GitHub-Api-Version: 2022-11-28 and Authorization: Bearer TOKEN. The base
// URL is https://api.github.com, or https://HOST/api/v3 for GitHub
// Enterprise Server. The token is never logged. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "net/http_client.h"
#include "pipeline/forge.h"

namespace kelola {

inline constexpr const char* kGitHubApiUrl = "https://api.github.com";

struct HookDelivery {
  int64_t id = 0;     // the attempt's id (for redelivery)
  std::string guid;   // X-GitHub-Delivery: the same for every attempt of one event
  std::string event;  // "push"
  std::string action;
  int status_code = 0;  // what kelola answered (0: no answer)
  std::string status;   // "OK", "failed to connect", ...
  bool redelivery = false;
  std::optional<WallTime> delivered_at;
};

struct DeliveryPage {
  std::vector<HookDelivery> deliveries;  // newest first, as GitHub lists them
  std::string next_cursor;               // "" on the last page
};

class GitHubClient final : public Forge {
 public:
  // `api_url` without a trailing slash ("" = kGitHubApiUrl).
  GitHubClient(std::string api_url, std::string token, HttpClientOptions options = {});

  Status SetCommitStatus(const CommitStatus& status) override;

  // `repository` is "owner/name".
  Result<DeliveryPage> ListHookDeliveries(const std::string& repository, int64_t hook_id, const std::string& cursor,
                                          int per_page = 100);
  Status Redeliver(const std::string& repository, int64_t hook_id, int64_t delivery_id);

 private:
  Result<ClientResponse> Call(const std::string& method, const std::string& path, const std::string& body);

  std::string api_url_;
  std::string token_;
  HttpClient http_;
};

// "owner/name" split and checked: InvalidArgument unless both parts are
// non-empty and free of '/', '?', '#', '%' and spaces.
Result<std::pair<std::string, std::string>> SplitGitHubRepository(const std::string& repository);
// The cursor of the rel="next" link in a Link header, "" when none.
std::string NextCursorFromLinkHeader(const std::string& link);
// GitHub's state for a commit state (running is pending; cancelled is error).
const char* GitHubState(CommitState state);

}  // namespace kelola
