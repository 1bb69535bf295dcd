// ForgeEvent: what a GitHub or GitLab webhook delivery means to kelola,
// parsed from the forge's event name and JSON body.
//
// Understood: pushes to branches, tag pushes, pull/merge requests (opened,
// updated, reopened) and GitHub's ping. Everything else is kIgnored with a
// reason (the handler acknowledges it and queues nothing). A push that
// deletes a branch or tag is ignored too: there is nothing to build.
//
// Pure functions of their input; the body is untrusted (fuzzed by
// fuzz/forge_event_fuzz.cc). Errors: InvalidArgument for a body that is not
// JSON or lacks a field the event needs, naming the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kelola {

enum class ForgeEventKind { kPush, kTag, kPullRequest, kPing, kIgnored };

std::string_view ForgeEventKindName(ForgeEventKind kind);  // "push", "tag", "pull_request", "ping", "ignored"

struct ForgeEvent {
  ForgeEventKind kind = ForgeEventKind::kIgnored;
  std::string ignored_reason;  // kIgnored only
  std::string repository;      // "owner/name" (GitLab: path_with_namespace), also for kIgnored
  std::string clone_url;       // https clone URL
  std::string ssh_url;
  std::string web_url;
  std::string ref;     // "refs/heads/main", "refs/tags/v1.2", "refs/pull/7/head"
  std::string branch;  // "main" (pull request: the head branch); "" for tags
  std::string tag;     // "v1.2" for tag pushes
  std::string sha;     // the commit to build
  std::string before;  // previous head of the ref (push), "" otherwise
  std::string sender;
  std::string message;                     // head commit message (first 1000 bytes)
  std::vector<std::string> changed_paths;  // added, modified and removed files of a push
  bool changed_paths_complete = true;      // false when the forge truncated the commit list
  int pull_request = 0;                    // number (GitLab: iid)
  std::string target_branch;               // pull request base branch
  std::string action;                      // pull request action
  long long hook_id = 0;                   // GitHub: the hook that sent it (ping)
};

// `event` is X-GitHub-Event.
Result<ForgeEvent> ParseGitHubEvent(std::string_view event, std::string_view body);
// `event` is X-Gitlab-Event ("Push Hook", "Tag Push Hook", "Merge Request Hook", ...).
Result<ForgeEvent> ParseGitLabEvent(std::string_view event, std::string_view body);

}  // namespace kelola
