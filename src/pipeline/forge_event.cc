#include "pipeline/forge_event.h"

#include <set>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr std::string_view kZeroSha = "0000000000000000000000000000000000000000";
constexpr size_t kMaxMessageBytes = 1000;
constexpr size_t kMaxChangedPaths = 10000;

Result<json> ParseBody(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgumentError("webhook body is not valid JSON");
  if (!doc.is_object()) return InvalidArgumentError("webhook body is not a JSON object");
  return doc;
}

// The string at `path` ("repository.full_name"), or "" when absent or not a
// string.
std::string Str(const json& doc, std::initializer_list<const char*> path) {
  const json* at = &doc;
  for (const char* key : path) {
    if (!at->is_object()) return "";
    auto it = at->find(key);
    if (it == at->end()) return "";
    at = &*it;
  }
  return at->is_string() ? at->get<std::string>() : "";
}

long long Int(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

bool IsTrue(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_boolean() && it->get<bool>();
}

Result<std::string> Required(const json& doc, std::initializer_list<const char*> path, const char* name) {
  std::string value = Str(doc, path);
  if (value.empty()) return InvalidArgumentError(std::string("webhook body: missing or empty \"") + name + "\"");
  return value;
}

ForgeEvent Ignored(std::string reason) {
  ForgeEvent e;
  e.kind = ForgeEventKind::kIgnored;
  e.ignored_reason = std::move(reason);
  return e;
}

// The files of every commit of a push, deduplicated; `complete` turns false
// at the cap.
void CollectPaths(const json& commits, ForgeEvent& out) {
  if (!commits.is_array()) return;
  std::set<std::string> seen;
  for (const json& commit : commits) {
    if (!commit.is_object()) continue;
    for (const char* list : {"added", "modified", "removed"}) {
      auto it = commit.find(list);
      if (it == commit.end() || !it->is_array()) continue;
      for (const json& path : *it) {
        if (!path.is_string()) continue;
        if (seen.size() >= kMaxChangedPaths) {
          out.changed_paths_complete = false;
          break;
        }
        seen.insert(path.get<std::string>());
      }
    }
  }
  out.changed_paths.assign(seen.begin(), seen.end());
}

std::string Truncated(std::string s) {
  if (s.size() > kMaxMessageBytes) s.resize(kMaxMessageBytes);
  return s;
}

// Shared by both forges: the ref decides between a branch and a tag push.
Status FillRef(const std::string& ref, ForgeEvent& out) {
  out.ref = ref;
  if (ref.rfind("refs/heads/", 0) == 0) {
    out.kind = ForgeEventKind::kPush;
    out.branch = ref.substr(11);
  } else if (ref.rfind("refs/tags/", 0) == 0) {
    out.kind = ForgeEventKind::kTag;
    out.tag = ref.substr(10);
  } else {
    return InvalidArgumentError("webhook body: ref \"" + ref + "\" is neither a branch nor a tag");
  }
  return OkStatus();
}

Result<ForgeEvent> GitHubPush(const json& doc) {
  KELOLA_ASSIGN_OR_RETURN(std::string ref, Required(doc, {"ref"}, "ref"));
  std::string after = Str(doc, {"after"});
  if (IsTrue(doc, "deleted") || after == kZeroSha) return Ignored("the push deletes " + ref);
  ForgeEvent e;
  KELOLA_RETURN_IF_ERROR(FillRef(ref, e));
  if (after.empty()) return InvalidArgumentError("webhook body: missing or empty \"after\"");
  e.sha = after;
  e.before = Str(doc, {"before"});
  KELOLA_ASSIGN_OR_RETURN(e.repository, Required(doc, {"repository", "full_name"}, "repository.full_name"));
  e.clone_url = Str(doc, {"repository", "clone_url"});
  e.ssh_url = Str(doc, {"repository", "ssh_url"});
  e.web_url = Str(doc, {"repository", "html_url"});
  e.sender = Str(doc, {"sender", "login"});
  e.message = Truncated(Str(doc, {"head_commit", "message"}));
  if (auto it = doc.find("commits"); it != doc.end()) CollectPaths(*it, e);
  return e;
}

Result<ForgeEvent> GitHubPullRequest(const json& doc) {
  std::string action = Str(doc, {"action"});
  if (action != "opened" && action != "synchronize" && action != "reopened") {
    return Ignored("pull_request action \"" + action + "\" does not change the code");
  }
  ForgeEvent e;
  e.kind = ForgeEventKind::kPullRequest;
  e.action = action;
  auto pr = doc.find("pull_request");
  if (pr == doc.end() || !pr->is_object()) return InvalidArgumentError("webhook body: missing \"pull_request\"");
  e.pull_request = static_cast<int>(Int(doc, "number"));
  KELOLA_ASSIGN_OR_RETURN(e.sha, Required(*pr, {"head", "sha"}, "pull_request.head.sha"));
  e.branch = Str(*pr, {"head", "ref"});
  e.target_branch = Str(*pr, {"base", "ref"});
  e.ref = "refs/pull/" + std::to_string(e.pull_request) + "/head";
  KELOLA_ASSIGN_OR_RETURN(e.repository, Required(doc, {"repository", "full_name"}, "repository.full_name"));
  e.clone_url = Str(doc, {"repository", "clone_url"});
  e.ssh_url = Str(doc, {"repository", "ssh_url"});
  e.web_url = Str(*pr, {"html_url"});
  e.sender = Str(doc, {"sender", "login"});
  e.message = Truncated(Str(*pr, {"title"}));
  e.changed_paths_complete = false;  // the payload does not list the files
  return e;
}

Result<ForgeEvent> GitLabPush(const json& doc) {
  KELOLA_ASSIGN_OR_RETURN(std::string ref, Required(doc, {"ref"}, "ref"));
  std::string after = Str(doc, {"after"});
  std::string checkout = Str(doc, {"checkout_sha"});
  if (after == kZeroSha || (after.empty() && checkout.empty())) return Ignored("the push deletes " + ref);
  ForgeEvent e;
  KELOLA_RETURN_IF_ERROR(FillRef(ref, e));
  e.sha = !checkout.empty() ? checkout : after;
  e.before = Str(doc, {"before"});
  KELOLA_ASSIGN_OR_RETURN(e.repository,
                          Required(doc, {"project", "path_with_namespace"}, "project.path_with_namespace"));
  e.clone_url = Str(doc, {"project", "git_http_url"});
  e.ssh_url = Str(doc, {"project", "git_ssh_url"});
  e.web_url = Str(doc, {"project", "web_url"});
  e.sender = Str(doc, {"user_username"});
  if (auto it = doc.find("commits"); it != doc.end()) {
    CollectPaths(*it, e);
    if (it->is_array() && !it->empty() && it->back().is_object()) e.message = Truncated(Str(it->back(), {"message"}));
  }
  // GitLab lists at most 20 commits; total_commits_count tells the rest.
  if (Int(doc, "total_commits_count") > 20) e.changed_paths_complete = false;
  return e;
}

Result<ForgeEvent> GitLabMergeRequest(const json& doc) {
  auto attrs = doc.find("object_attributes");
  if (attrs == doc.end() || !attrs->is_object()) {
    return InvalidArgumentError("webhook body: missing \"object_attributes\"");
  }
  std::string action = Str(*attrs, {"action"});
  if (action != "open" && action != "update" && action != "reopen") {
    return Ignored("merge request action \"" + action + "\" does not change the code");
  }
  ForgeEvent e;
  e.kind = ForgeEventKind::kPullRequest;
  e.action = action;
  e.pull_request = static_cast<int>(Int(*attrs, "iid"));
  KELOLA_ASSIGN_OR_RETURN(e.sha, Required(*attrs, {"last_commit", "id"}, "object_attributes.last_commit.id"));
  e.branch = Str(*attrs, {"source_branch"});
  e.target_branch = Str(*attrs, {"target_branch"});
  e.ref = "refs/merge-requests/" + std::to_string(e.pull_request) + "/head";
  KELOLA_ASSIGN_OR_RETURN(e.repository,
                          Required(doc, {"project", "path_with_namespace"}, "project.path_with_namespace"));
  e.clone_url = Str(doc, {"project", "git_http_url"});
  e.ssh_url = Str(doc, {"project", "git_ssh_url"});
  e.web_url = Str(*attrs, {"url"});
  e.sender = Str(doc, {"user", "username"});
  e.message = Truncated(Str(*attrs, {"title"}));
  e.changed_paths_complete = false;
  return e;
}

}  // namespace

std::string_view ForgeEventKindName(ForgeEventKind kind) {
  switch (kind) {
    case ForgeEventKind::kPush: return "push";
    case ForgeEventKind::kTag: return "tag";
    case ForgeEventKind::kPullRequest: return "pull_request";
    case ForgeEventKind::kPing: return "ping";
    case ForgeEventKind::kIgnored: return "ignored";
  }
  return "ignored";
}

Result<ForgeEvent> ParseGitHubEvent(std::string_view event, std::string_view body) {
  KELOLA_ASSIGN_OR_RETURN(json doc, ParseBody(body));
  if (event == "ping") {
    ForgeEvent e;
    e.kind = ForgeEventKind::kPing;
    e.hook_id = Int(doc, "hook_id");
    e.repository = Str(doc, {"repository", "full_name"});
    return e;
  }
  // GitHub's push event also covers tags (ref refs/tags/...).
  Result<ForgeEvent> e = event == "push" ? GitHubPush(doc)
                         : event == "pull_request"
                             ? GitHubPullRequest(doc)
                             : Ignored("event \"" + std::string(event.substr(0, 100)) + "\" does not start runs");
  if (e.ok() && e->repository.empty()) e->repository = Str(doc, {"repository", "full_name"});
  return e;
}

Result<ForgeEvent> ParseGitLabEvent(std::string_view event, std::string_view body) {
  KELOLA_ASSIGN_OR_RETURN(json doc, ParseBody(body));
  if (event == "Push Hook" || event == "Tag Push Hook") {
    KELOLA_ASSIGN_OR_RETURN(ForgeEvent e, GitLabPush(doc));
    if (e.kind != ForgeEventKind::kIgnored && (e.kind == ForgeEventKind::kTag) != (event == "Tag Push Hook")) {
      return InvalidArgumentError("webhook body: ref \"" + e.ref + "\" does not fit event \"" + std::string(event) +
                                  "\"");
    }
    return e;
  }
  Result<ForgeEvent> e = event == "Merge Request Hook"
                             ? GitLabMergeRequest(doc)
                             : Ignored("event \"" + std::string(event.substr(0, 100)) + "\" does not start runs");
  if (e.ok() && e->repository.empty()) e->repository = Str(doc, {"project", "path_with_namespace"});
  return e;
}

}  // namespace kelola
