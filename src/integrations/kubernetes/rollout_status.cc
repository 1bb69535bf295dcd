#include "integrations/kubernetes/rollout_status.h"

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

int64_t IntField(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return 0;
  return it->get<int64_t>();
}

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

RolloutVerdict DecideRollout(const DeploymentState& s) {
  const std::string d = "deployment " + Quoted(s.name);
  if (s.generation > s.observed_generation) {
    return {RolloutPhase::kWaiting, "Waiting for deployment spec update to be observed..."};
  }
  if (s.progressing_reason == "ProgressDeadlineExceeded") {
    return {RolloutPhase::kFailed, d + " exceeded its progress deadline"};
  }
  if (s.spec_replicas && s.updated_replicas < *s.spec_replicas) {
    return {RolloutPhase::kWaiting, "Waiting for " + d + " rollout to finish: " + std::to_string(s.updated_replicas) +
                                        " out of " + std::to_string(*s.spec_replicas) +
                                        " new replicas have been updated..."};
  }
  if (s.replicas > s.updated_replicas) {
    return {RolloutPhase::kWaiting, "Waiting for " + d +
                                        " rollout to finish: " + std::to_string(s.replicas - s.updated_replicas) +
                                        " old replicas are pending termination..."};
  }
  if (s.available_replicas < s.updated_replicas) {
    return {RolloutPhase::kWaiting, "Waiting for " + d + " rollout to finish: " + std::to_string(s.available_replicas) +
                                        " of " + std::to_string(s.updated_replicas) +
                                        " updated replicas are available..."};
  }
  return {RolloutPhase::kDone, d + " successfully rolled out"};
}

Result<DeploymentState> ParseDeploymentState(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return InvalidArgumentError("deployment: not a JSON object");
  if (json.value("kind", std::string()) != "Deployment") {
    return InvalidArgumentError("deployment: kind is not Deployment");
  }
  DeploymentState s;
  const auto& metadata = json.contains("metadata") ? json["metadata"] : nlohmann::json::object();
  if (metadata.is_object()) {
    if (metadata.contains("name") && metadata["name"].is_string()) s.name = metadata["name"].get<std::string>();
    if (metadata.contains("resourceVersion") && metadata["resourceVersion"].is_string()) {
      s.resource_version = metadata["resourceVersion"].get<std::string>();
    }
    s.generation = IntField(metadata, "generation");
    if (metadata.contains("annotations") && metadata["annotations"].is_object()) {
      const auto& a = metadata["annotations"];
      auto it = a.find("deployment.kubernetes.io/revision");
      if (it != a.end() && it->is_string()) s.revision = it->get<std::string>();
    }
  }
  if (json.contains("spec") && json["spec"].is_object()) {
    const auto& spec = json["spec"];
    if (spec.contains("replicas") && spec["replicas"].is_number_integer()) {
      s.spec_replicas = spec["replicas"].get<int64_t>();
    }
  }
  if (json.contains("status") && json["status"].is_object()) {
    const auto& st = json["status"];
    s.observed_generation = IntField(st, "observedGeneration");
    s.replicas = IntField(st, "replicas");
    s.updated_replicas = IntField(st, "updatedReplicas");
    s.available_replicas = IntField(st, "availableReplicas");
    if (st.contains("conditions") && st["conditions"].is_array()) {
      for (const auto& c : st["conditions"]) {
        if (c.is_object() && c.value("type", std::string()) == "Progressing" && c.contains("reason") &&
            c["reason"].is_string()) {
          s.progressing_reason = c["reason"].get<std::string>();
        }
      }
    }
  }
  return s;
}

}  // namespace kelola
