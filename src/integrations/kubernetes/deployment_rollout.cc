#include "integrations/kubernetes/deployment_rollout.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

namespace kelola {
namespace {

using Json = nlohmann::json;

bool ValidImage(const std::string& image) {
  if (image.empty() || image.size() > 512) return false;
  return std::all_of(image.begin(), image.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '/' || c == ':' ||
           c == '@';
  });
}

bool ValidName(const std::string& name, size_t max) {
  if (name.empty() || name.size() > max) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
}

RolloutProgress ProgressOf(const DeploymentState& s, const std::string& message) {
  RolloutProgress p;
  p.desired = s.spec_replicas.value_or(1);
  p.updated = s.updated_replicas;
  p.available = s.available_replicas;
  p.old_remaining = std::max<int64_t>(0, s.replicas - s.updated_replicas);
  p.message = message;
  return p;
}

int64_t RevisionNumber(const Json& object) {
  const Json& metadata = object.contains("metadata") ? object["metadata"] : Json::object();
  if (!metadata.is_object() || !metadata.contains("annotations") || !metadata["annotations"].is_object()) return 0;
  const Json& a = metadata["annotations"];
  auto it = a.find("deployment.kubernetes.io/revision");
  if (it == a.end() || !it->is_string()) return 0;
  try {
    return std::stoll(it->get<std::string>());
  } catch (const std::exception&) {
    return 0;
  }
}

std::string ImagesOf(const Json& template_json) {
  std::string images;
  if (template_json.contains("spec") && template_json["spec"].contains("containers")) {
    for (const auto& c : template_json["spec"]["containers"]) {
      if (!images.empty()) images += ",";
      images += c.value("image", std::string("?"));
    }
  }
  return images;
}

}  // namespace

Result<std::string> RenderDeploymentManifest(const DeploymentRolloutOptions& options, DeploymentRef* ref) {
  if (!ValidImage(options.image)) {
    return InvalidArgumentError("image \"" + options.image +
                                "\" is not an image reference (letters, digits and . _ - / : @ only)");
  }
  if (options.placeholder.empty() || options.manifest.find(options.placeholder) == std::string::npos) {
    return InvalidArgumentError("manifest: the image placeholder " + options.placeholder + " does not occur");
  }
  std::string rendered;
  size_t from = 0;
  for (size_t at; (at = options.manifest.find(options.placeholder, from)) != std::string::npos;
       from = at + options.placeholder.size()) {
    rendered += options.manifest.substr(from, at - from) + options.image;
  }
  rendered += options.manifest.substr(from);
  try {
    YAML::Node root = YAML::Load(rendered);
    if (!root.IsMap()) return InvalidArgumentError("manifest: not a YAML map (one Deployment expected)");
    auto text = [&](const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); };
    if (text(root["apiVersion"]) != "apps/v1" || text(root["kind"]) != "Deployment") {
      return InvalidArgumentError("manifest: apiVersion apps/v1, kind Deployment expected, got " +
                                  text(root["apiVersion"]) + " " + text(root["kind"]));
    }
    const YAML::Node metadata = root["metadata"];
    if (!metadata || !metadata.IsMap()) return InvalidArgumentError("manifest: metadata is missing");
    ref->name = text(metadata["name"]);
    if (!ValidName(ref->name, 253)) {
      return InvalidArgumentError("manifest: metadata.name \"" + ref->name + "\" is not a DNS-1123 name");
    }
    const std::string ns = text(metadata["namespace"]);
    if (!ns.empty() && !options.namespace_name.empty() && ns != options.namespace_name) {
      return InvalidArgumentError("manifest: metadata.namespace \"" + ns + "\" differs from the target's namespace \"" +
                                  options.namespace_name + "\"");
    }
    ref->namespace_name = !ns.empty() ? ns : (!options.namespace_name.empty() ? options.namespace_name : "default");
    if (!ValidName(ref->namespace_name, 63)) {
      return InvalidArgumentError("namespace \"" + ref->namespace_name + "\" is not a DNS-1123 label");
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("manifest: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return rendered;
}

Result<WaitResult> WaitForDeploymentRollout(KubeClient& client, const DeploymentRef& ref, const std::string& current,
                                            const DeploymentRolloutOptions& options, int* watch_reconnects) {
  WaitResult result;
  std::string rv;
  // Decides on one object; true when the rollout reached an end.
  auto decide = [&](const std::string& object_json) -> Result<bool> {
    KELOLA_ASSIGN_OR_RETURN(DeploymentState state, ParseDeploymentState(object_json));
    rv = state.resource_version;
    const RolloutVerdict verdict = DecideRollout(state);
    result.phase = verdict.phase;
    result.message = verdict.message;
    result.revision = state.revision;
    if (options.on_progress) options.on_progress(ProgressOf(state, verdict.message));
    return verdict.phase != RolloutPhase::kWaiting;
  };
  KELOLA_ASSIGN_OR_RETURN(bool ended, decide(current));
  if (ended) return result;

  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + options.timeout;
  std::chrono::milliseconds backoff(200);
  // After a dropped stream, a restarting API server can refuse requests
  // (401/403 before its authorizer has synced, 5xx) for a moment: until an
  // event arrives again those are retried like the drop itself.
  bool recovering = false;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      result.phase = RolloutPhase::kWaiting;
      result.message = "timed out after " + std::to_string(options.timeout.count() / 1000) +
                       " s waiting for deployment \"" + ref.name + "\": " + result.message;
      return result;
    }
    if (options.keep_going && !options.keep_going()) return CancelledError("rollout wait cancelled");
    const auto remaining = std::chrono::duration_cast<std::chrono::seconds>(deadline - now);
    const std::string path = "/apis/apps/v1/namespaces/" + ref.namespace_name +
                             "/deployments?watch=true&allowWatchBookmarks=true&fieldSelector=" +
                             KubeQueryEscape("metadata.name=" + ref.name) + "&resourceVersion=" + KubeQueryEscape(rv) +
                             "&timeoutSeconds=" + std::to_string(std::clamp<int64_t>(remaining.count(), 1, 300));
    bool gone = false;
    Status event_error = OkStatus();
    Status watched = client.Watch(
        path,
        [&](const KubeWatchEvent& event) {
          if (event.type == "BOOKMARK") {
            auto json = Json::parse(event.object, nullptr, false);
            if (json.is_object() && json.contains("metadata") && json["metadata"].contains("resourceVersion")) {
              rv = json["metadata"]["resourceVersion"].get<std::string>();
            }
            return true;
          }
          if (event.type == "ERROR") {
            auto json = Json::parse(event.object, nullptr, false);
            const int code = json.is_object() ? json.value("code", 0) : 0;
            if (code == 410) {
              gone = true;
            } else {
              event_error = KubeApiError("WATCH", path, code, event.object);
            }
            return false;
          }
          if (event.type == "DELETED") {
            event_error = AbortedError("deployment \"" + ref.name + "\" was deleted during the rollout");
            return false;
          }
          recovering = false;
          backoff = std::chrono::milliseconds(200);
          auto done = decide(event.object);
          if (!done.ok()) {
            event_error = done.status();
            return false;
          }
          return !*done;
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(remaining) + std::chrono::seconds(5), options.keep_going);
    if (result.phase != RolloutPhase::kWaiting) return result;
    if (!event_error.ok()) return event_error;
    if (!watched.ok() && watched.code() == StatusCode::kOutOfRange) gone = true;
    if (gone) {
      // The resourceVersion is too old to watch from: read the object again.
      auto fresh = client.Get(ref.Path());
      if (fresh.ok()) {
        KELOLA_ASSIGN_OR_RETURN(bool fresh_ended, decide(*fresh));
        if (fresh_ended) return result;
        continue;
      }
      watched = fresh.status();
    }
    if (watched.ok()) continue;  // the server ended the stream (timeoutSeconds): resume
    switch (watched.code()) {
      case StatusCode::kUnavailable:
      case StatusCode::kDeadlineExceeded:
      case StatusCode::kDataLoss:
      case StatusCode::kUnknown:
      case StatusCode::kInternal: break;  // the stream dropped or the server is away: resume below
      case StatusCode::kPermissionDenied:
      case StatusCode::kUnauthenticated:
        if (recovering) break;
        return watched;
      default: return watched;
    }
    recovering = true;
    if (watch_reconnects != nullptr) ++*watch_reconnects;
    // Backoff before resuming, so a restarting API server is not hammered.
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(2));
  }
}

Result<std::string> RollbackDeployment(KubeClient& client, const DeploymentRef& ref, int* writes) {
  KELOLA_ASSIGN_OR_RETURN(std::string deployment_text, client.Get(ref.Path()));
  const Json deployment = Json::parse(deployment_text, nullptr, false);
  if (!deployment.is_object() || !deployment.contains("metadata")) {
    return DataLossError("GET " + ref.Path() + ": not a Deployment object");
  }
  const std::string uid = deployment["metadata"].value("uid", std::string());
  const int64_t current_revision = RevisionNumber(deployment);
  std::string selector;
  if (deployment.contains("spec") && deployment["spec"].contains("selector") &&
      deployment["spec"]["selector"].contains("matchLabels")) {
    for (const auto& [k, v] : deployment["spec"]["selector"]["matchLabels"].items()) {
      if (!selector.empty()) selector += ",";
      selector += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  std::string list_path = "/apis/apps/v1/namespaces/" + ref.namespace_name + "/replicasets";
  if (!selector.empty()) list_path += "?labelSelector=" + KubeQueryEscape(selector);
  KELOLA_ASSIGN_OR_RETURN(std::string list_text, client.Get(list_path));
  const Json list = Json::parse(list_text, nullptr, false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) {
    return DataLossError("GET " + list_path + ": not a ReplicaSetList");
  }
  // The ReplicaSet of the newest revision older than the current one.
  const Json* previous = nullptr;
  int64_t previous_revision = 0;
  for (const auto& rs : list["items"]) {
    bool owned = false;
    if (rs.contains("metadata") && rs["metadata"].contains("ownerReferences")) {
      for (const auto& owner : rs["metadata"]["ownerReferences"]) {
        if (owner.value("controller", false) && owner.value("uid", std::string()) == uid) owned = true;
      }
    }
    const int64_t revision = RevisionNumber(rs);
    if (owned && revision < current_revision && revision > previous_revision) {
      previous = &rs;
      previous_revision = revision;
    }
  }
  if (previous == nullptr || !(*previous).contains("spec") || !(*previous)["spec"].contains("template")) {
    return NotFoundError("deployment \"" + ref.name + "\" has no revision before " + std::to_string(current_revision) +
                         " to roll back to");
  }
  Json template_json = (*previous)["spec"]["template"];
  if (template_json.contains("metadata") && template_json["metadata"].contains("labels")) {
    template_json["metadata"]["labels"].erase("pod-template-hash");
  }
  return client.Update(
      ref.Path(),
      [&](const std::string& current) -> Result<std::string> {
        Json object = Json::parse(current, nullptr, false);
        if (!object.is_object() || !object.contains("spec")) {
          return DataLossError("GET " + ref.Path() + ": not a Deployment object");
        }
        object["spec"]["template"] = template_json;
        return object.dump();
      },
      5, writes);
}

Result<DeploymentRolloutOutcome> RunDeploymentRollout(KubeClient& client, const DeploymentRolloutOptions& options) {
  DeploymentRef ref;
  KELOLA_ASSIGN_OR_RETURN(std::string manifest, RenderDeploymentManifest(options, &ref));
  KELOLA_ASSIGN_OR_RETURN(std::string applied, client.Send("PATCH", ref.Path() + "?fieldManager=kelola&force=true",
                                                           manifest, "application/apply-patch+yaml"));
  DeploymentRolloutOutcome outcome;
  KELOLA_ASSIGN_OR_RETURN(WaitResult wait,
                          WaitForDeploymentRollout(client, ref, applied, options, &outcome.watch_reconnects));
  outcome.revision = wait.revision;
  if (wait.phase == RolloutPhase::kDone) {
    outcome.succeeded = true;
    outcome.message = wait.message;
    return outcome;
  }
  outcome.message = wait.message;
  if (!options.rollback_on_failure) return outcome;

  auto rolled = RollbackDeployment(client, ref);
  if (!rolled.ok()) {
    outcome.message += "; rollback failed: " + rolled.status().ToString();
    return outcome;
  }
  const Json rolled_json = Json::parse(*rolled, nullptr, false);
  const std::string images =
      rolled_json.is_object() && rolled_json.contains("spec") ? ImagesOf(rolled_json["spec"]["template"]) : "";
  KELOLA_ASSIGN_OR_RETURN(WaitResult back,
                          WaitForDeploymentRollout(client, ref, *rolled, options, &outcome.watch_reconnects));
  outcome.rolled_back = back.phase == RolloutPhase::kDone;
  outcome.revision = back.revision;
  outcome.message += outcome.rolled_back ? "; rolled back to the previous template (" + images + ")"
                                         : "; rollback to (" + images + ") did not finish: " + back.message;
  return outcome;
}

}  // namespace kelola
