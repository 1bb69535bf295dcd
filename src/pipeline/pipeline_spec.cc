#include "pipeline/pipeline_spec.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "pipeline/glob.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Result<std::vector<std::string>> Strings(const json& doc, const char* key) {
  std::vector<std::string> out;
  auto it = doc.find(key);
  if (it == doc.end()) return out;
  if (!it->is_array()) return InvalidArgumentError(std::string("spec.") + key + " must be an array of strings");
  for (const json& v : *it) {
    if (!v.is_string()) return InvalidArgumentError(std::string("spec.") + key + " must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string Text(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<PipelineSpec> DecodePipelineSpec(const std::string& name, const std::string& spec_json) {
  json doc = json::parse(spec_json, nullptr, false);
  if (!doc.is_object()) return InvalidArgumentError("Pipeline " + name + ": spec is not a JSON object");
  PipelineSpec p;
  p.name = name;
  p.forge = Text(doc, "forge");
  if (p.forge != "github" && p.forge != "gitlab") {
    return InvalidArgumentError("Pipeline " + name + ": spec.forge must be github or gitlab");
  }
  p.repository = Text(doc, "repository");
  if (p.repository.empty()) return InvalidArgumentError("Pipeline " + name + ": spec.repository is required");
  p.clone_url = Text(doc, "cloneUrl");
  p.webhook_secret = Text(doc, "webhookSecret");
  if (p.webhook_secret.empty()) return InvalidArgumentError("Pipeline " + name + ": spec.webhookSecret is required");
  if (doc.contains("events")) {
    KELOLA_ASSIGN_OR_RETURN(p.events, Strings(doc, "events"));
  }
  for (const auto& e : p.events) {
    if (e != "push" && e != "tag" && e != "pull_request") {
      return InvalidArgumentError("Pipeline " + name + ": spec.events: unknown event \"" + e + "\"");
    }
  }
  KELOLA_ASSIGN_OR_RETURN(p.branches, Strings(doc, "branches"));
  KELOLA_ASSIGN_OR_RETURN(p.tags, Strings(doc, "tags"));
  KELOLA_ASSIGN_OR_RETURN(p.paths, Strings(doc, "paths"));
  if (auto it = doc.find("cancelPrevious"); it != doc.end() && it->is_boolean()) p.cancel_previous = it->get<bool>();
  p.deploy_target = Text(doc, "deployTarget");
  if (auto it = doc.find("deployForce"); it != doc.end() && it->is_boolean()) p.deploy_force = it->get<bool>();
  p.api_url = Text(doc, "apiUrl");
  p.token_secret = Text(doc, "tokenSecret");
  if (auto it = doc.find("hookId"); it != doc.end() && it->is_number_integer()) p.hook_id = it->get<long long>();
  p.project_id = Text(doc, "projectId");
  return p;
}

bool SameRepository(const PipelineSpec& pipeline, const std::string& repository) {
  return !repository.empty() && Lower(pipeline.repository) == Lower(repository);
}

TriggerDecision DecideTrigger(const PipelineSpec& p, const ForgeEvent& e) {
  if (e.kind == ForgeEventKind::kIgnored || e.kind == ForgeEventKind::kPing) return {false, "not a code event"};
  if (!SameRepository(p, e.repository)) return {false, "repository " + e.repository + " is not " + p.repository};
  const std::string kind(ForgeEventKindName(e.kind));
  if (std::find(p.events.begin(), p.events.end(), kind) == p.events.end()) {
    return {false, "event " + kind + " is not among the pipeline's events"};
  }
  if (e.kind == ForgeEventKind::kTag) {
    if (!AnyGlobMatches(p.tags, e.tag)) return {false, "tag " + e.tag + " matches no tag filter"};
  } else {
    // Pull requests filter on their target branch, as Drone and Woodpecker do.
    const std::string& branch = e.kind == ForgeEventKind::kPullRequest ? e.target_branch : e.branch;
    if (!AnyGlobMatches(p.branches, branch)) return {false, "branch " + branch + " matches no branch filter"};
  }
  // Path filters apply when the forge listed every changed file; otherwise
  // the run goes ahead rather than silently skipping a change.
  if (!p.paths.empty() && e.changed_paths_complete) {
    bool any = false;
    for (const auto& path : e.changed_paths) {
      if (AnyGlobMatches(p.paths, path)) {
        any = true;
        break;
      }
    }
    if (!any) return {false, "no changed file matches the path filters"};
  }
  return {true, "matched"};
}

}  // namespace kelola
