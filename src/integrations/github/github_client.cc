#include "integrations/github/github_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxDescription = 140;  // GitHub refuses longer descriptions

bool SafePathPart(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    if (c == '/' || c == '?' || c == '#' || c == '%' || c == ' ' || static_cast<unsigned char>(c) < 0x21) return false;
  }
  return true;
}

bool HexSha(const std::string& sha) {
  if (sha.size() < 7 || sha.size() > 64) return false;
  for (char c : sha) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "2021-05-12T20:33:44Z" -> time; nullopt when unreadable.
std::optional<WallTime> ParseGitHubTime(const std::string& text) {
  std::tm tm{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

Result<std::pair<std::string, std::string>> SplitGitHubRepository(const std::string& repository) {
  auto slash = repository.find('/');
  if (slash == std::string::npos) return InvalidArgumentError("repository \"" + repository + "\" is not owner/name");
  std::string owner = repository.substr(0, slash), name = repository.substr(slash + 1);
  if (!SafePathPart(owner) || !SafePathPart(name)) {
    return InvalidArgumentError("repository \"" + repository + "\" is not owner/name");
  }
  return std::make_pair(owner, name);
}

std::string NextCursorFromLinkHeader(const std::string& link) {
  // <https://api.github.com/...?per_page=100&cursor=v1_5>; rel="next", <...>; rel="prev"
  size_t pos = 0;
  while (pos < link.size()) {
    size_t open = link.find('<', pos);
    size_t close = link.find('>', open == std::string::npos ? pos : open);
    if (open == std::string::npos || close == std::string::npos) return "";
    size_t end = link.find(',', close);
    std::string params = link.substr(close + 1, end == std::string::npos ? std::string::npos : end - close - 1);
    if (params.find("rel=\"next\"") != std::string::npos) {
      std::string url = link.substr(open + 1, close - open - 1);
      auto q = url.find('?');
      if (q == std::string::npos) return "";
      auto query = ParseQueryString(std::string_view(url).substr(q + 1));
      auto it = query.find("cursor");
      return it == query.end() ? "" : it->second;
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

const char* GitHubState(CommitState state) {
  switch (state) {
    case CommitState::kPending:
    case CommitState::kRunning: return "pending";
    case CommitState::kSuccess: return "success";
    case CommitState::kFailure: return "failure";
    case CommitState::kError:
    case CommitState::kCancelled: return "error";
  }
  return "error";
}

GitHubClient::GitHubClient(std::string api_url, std::string token, HttpClientOptions options)
    : api_url_(api_url.empty() ? kGitHubApiUrl : std::move(api_url)), token_(std::move(token)), http_(options) {
  while (!api_url_.empty() && api_url_.back() == '/') api_url_.pop_back();
}

Result<ClientResponse> GitHubClient::Call(const std::string& method, const std::string& path, const std::string& body) {
  ClientRequest req;
  req.method = method;
  req.url = api_url_ + path;
  req.headers["Accept"] = "application/vnd.github+json";
  req.headers["X-GitHub-Api-Version"] = "2022-11-28";
  if (!token_.empty()) req.headers["Authorization"] = "Bearer " + token_;
  if (!body.empty()) req.headers["Content-Type"] = "application/json";
  req.body = body;
  return http_.Send(req);
}

Status GitHubClient::SetCommitStatus(const CommitStatus& s) {
  KELOLA_ASSIGN_OR_RETURN(auto repo, SplitGitHubRepository(s.repository));
  if (!HexSha(s.sha)) return InvalidArgumentError("commit \"" + s.sha + "\" is not a hex SHA");
  json body = {{"state", GitHubState(s.state)}, {"context", s.context.empty() ? "kelola" : s.context}};
  if (!s.target_url.empty()) body["target_url"] = s.target_url;
  if (!s.description.empty()) body["description"] = s.description.substr(0, kMaxDescription);
  KELOLA_ASSIGN_OR_RETURN(ClientResponse r,
                          Call("POST", "/repos/" + repo.first + "/" + repo.second + "/statuses/" + s.sha,
                               body.dump(-1, ' ', false, json::error_handler_t::replace)));
  return ForgeHttpStatus(r.status, "GitHub commit status for " + s.repository + "@" + s.sha, r.body);
}

Result<DeliveryPage> GitHubClient::ListHookDeliveries(const std::string& repository, int64_t hook_id,
                                                      const std::string& cursor, int per_page) {
  KELOLA_ASSIGN_OR_RETURN(auto repo, SplitGitHubRepository(repository));
  std::string path = "/repos/" + repo.first + "/" + repo.second + "/hooks/" + std::to_string(hook_id) +
                     "/deliveries?per_page=" + std::to_string(std::clamp(per_page, 1, 100));
  if (!cursor.empty()) path += "&cursor=" + PercentEncode(cursor);
  KELOLA_ASSIGN_OR_RETURN(ClientResponse r, Call("GET", path, ""));
  KELOLA_RETURN_IF_ERROR(ForgeHttpStatus(r.status, "GitHub hook deliveries of " + repository, r.body));
  json doc = json::parse(r.body, nullptr, false);
  if (!doc.is_array()) return InvalidArgumentError("GitHub hook deliveries: the answer is not a JSON array");
  DeliveryPage page;
  for (const json& item : doc) {
    if (!item.is_object()) continue;
    HookDelivery d;
    if (auto it = item.find("id"); it != item.end() && it->is_number_integer()) d.id = it->get<int64_t>();
    auto text = [&](const char* key) {
      auto it = item.find(key);
      return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    d.guid = text("guid");
    d.event = text("event");
    d.action = text("action");
    d.status = text("status");
    if (auto it = item.find("status_code"); it != item.end() && it->is_number_integer()) {
      d.status_code = it->get<int>();
    }
    if (auto it = item.find("redelivery"); it != item.end() && it->is_boolean()) d.redelivery = it->get<bool>();
    d.delivered_at = ParseGitHubTime(text("delivered_at"));
    if (d.id != 0 && !d.guid.empty()) page.deliveries.push_back(std::move(d));
  }
  page.next_cursor = NextCursorFromLinkHeader(r.headers.count("Link") ? r.headers.at("Link") : "");
  return page;
}

Status GitHubClient::Redeliver(const std::string& repository, int64_t hook_id, int64_t delivery_id) {
  KELOLA_ASSIGN_OR_RETURN(auto repo, SplitGitHubRepository(repository));
  KELOLA_ASSIGN_OR_RETURN(ClientResponse r,
                          Call("POST",
                               "/repos/" + repo.first + "/" + repo.second + "/hooks/" + std::to_string(hook_id) +
                                   "/deliveries/" + std::to_string(delivery_id) + "/attempts",
                               ""));
  return ForgeHttpStatus(r.status, "GitHub redelivery of delivery " + std::to_string(delivery_id), r.body);
}

}  // namespace kelola
