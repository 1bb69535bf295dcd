// PipelineSpec: a Pipeline resource's spec as values, and the trigger
// decision "does this forge event start a run of this pipeline?".
//
// The API validates the spec against the Pipeline kind's schema
// (src/api/kinds.cc); DecodePipelineSpec reads the validated JSON and still
// refuses what it cannot use. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/forge_event.h"

namespace kelola {

struct PipelineSpec {
  std::string name;                                   // the resource name
  std::string forge;                                  // "github" | "gitlab"
  std::string repository;                             // "owner/name", compared case-insensitively
  std::string clone_url;                              // overrides the payload's clone URL when set
  std::string webhook_secret;                         // Secret name holding the webhook secret
  std::vector<std::string> events = {"push", "tag"};  // push | tag | pull_request
  std::vector<std::string> branches;                  // globs; empty = every branch
  std::vector<std::string> tags;                      // globs; empty = every tag
  std::vector<std::string> paths;                     // globs; empty = any change
  bool cancel_previous = false;
  std::string deploy_target;  // Target name to deploy to afterwards; "" = none
  // Deploy even a commit whose earlier release was rolled back (marked bad).
  bool deploy_force = false;
  // Commit status reporting and missed-delivery reconciliation.
  std::string api_url;       // forge API base; "" = https://api.github.com or https://gitlab.com/api/v4
  std::string token_secret;  // Secret name holding the forge API token; "" = no status reports
  long long hook_id = 0;     // GitHub: the repository webhook's id, for reconciliation
  std::string project_id;    // GitLab: project id or url-encoded path; "" = repository
};

Result<PipelineSpec> DecodePipelineSpec(const std::string& name, const std::string& spec_json);

struct TriggerDecision {
  bool run = false;
  std::string reason;  // why not, or "matched"
};

TriggerDecision DecideTrigger(const PipelineSpec& pipeline, const ForgeEvent& event);

// True when the event's repository is the pipeline's (owner/name, case-insensitively).
bool SameRepository(const PipelineSpec& pipeline, const std::string& repository);

}  // namespace kelola
