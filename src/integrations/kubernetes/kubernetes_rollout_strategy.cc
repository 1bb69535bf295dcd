#include "integrations/kubernetes/kubernetes_rollout_strategy.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "integrations/kubernetes/deployment_rollout.h"

namespace kelola {
namespace {

Result<std::string> ReadSecret(const RolloutContext& ctx, const std::string& name, const char* field) {
  if (!ctx.secret) return FailedPreconditionError(std::string("spec.kubernetes.") + field + ": no secret reader");
  auto value = ctx.secret(name, "");
  if (!value.ok()) {
    return Status(value.status().code(), std::string("spec.kubernetes.") + field + ": secret \"" + name +
                                             "\": " + std::string(value.status().message()));
  }
  return *value;
}

void Emit(const RolloutContext& ctx, std::string_view kind, const std::string& unit, const std::string& message) {
  if (ctx.on_event) ctx.on_event(kind, unit, message);
}

std::chrono::milliseconds Millis(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); }

// Server-side apply of a Service manifest (no image in it).
Status ApplyService(KubeClient& client, const std::string& ns, const std::string& manifest) {
  std::string name;
  try {
    YAML::Node root = YAML::Load(manifest);
    if (!root.IsMap() || !root["kind"] || root["kind"].Scalar() != "Service" || !root["metadata"] ||
        !root["metadata"]["name"]) {
      return InvalidArgumentError("spec.kubernetes.service_manifest: one v1 Service with metadata.name expected");
    }
    name = root["metadata"]["name"].Scalar();
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("spec.kubernetes.service_manifest: line " + std::to_string(e.mark.line + 1) + ": " +
                                e.msg);
  }
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return InvalidArgumentError("spec.kubernetes.service_manifest: metadata.name \"" + name +
                                "\" is not a DNS-1123 label");
  }
  return client
      .Send("PATCH", "/api/v1/namespaces/" + ns + "/services/" + name + "?fieldManager=kelola&force=true", manifest,
            "application/apply-patch+yaml")
      .status();
}

DeploymentRolloutOptions WaitOptions(const RolloutContext& ctx, const std::string& deployment) {
  DeploymentRolloutOptions o;
  o.timeout = Millis(ctx.target->kubernetes.rollout_timeout);
  o.keep_going = ctx.keep_going;
  o.on_progress = [&ctx, deployment](const RolloutProgress& p) {
    ReleaseProgress progress;
    progress.total = static_cast<int>(p.desired);
    progress.updated = static_cast<int>(p.updated);
    progress.healthy = static_cast<int>(p.available);
    progress.old_remaining = static_cast<int>(p.old_remaining);
    progress.phase = p.message;
    if (ctx.on_progress) ctx.on_progress(progress);
    Emit(ctx, "deploy.k8s.progress", deployment, p.message);
  };
  return o;
}

Status Finish(const RolloutContext& ctx, const std::string& unit, const WaitResult& wait) {
  if (wait.phase == RolloutPhase::kDone) {
    Emit(ctx, "deploy.k8s.done", unit, wait.message);
    return OkStatus();
  }
  Emit(ctx, "deploy.k8s.failed", unit, wait.message);
  return DeadlineExceededError(wait.message);
}

}  // namespace

Result<KubeConnection> KubeConnectionForTarget(const KubernetesTarget& t, const RolloutContext& ctx) {
  KubeConnection c;
  if (!t.kubeconfig_secret.empty()) {
    KELOLA_ASSIGN_OR_RETURN(std::string text, ReadSecret(ctx, t.kubeconfig_secret, "kubeconfig_secret"));
    KELOLA_ASSIGN_OR_RETURN(c, ParseKubeconfig(text, "secret " + t.kubeconfig_secret, ""));
    if (!t.api_server.empty()) c.server = t.api_server;
  } else {
    c.server = t.api_server;
    if (!t.ca_secret.empty()) {
      KELOLA_ASSIGN_OR_RETURN(c.ca_pem, ReadSecret(ctx, t.ca_secret, "ca_secret"));
    }
    if (!t.token_secret.empty()) {
      KELOLA_ASSIGN_OR_RETURN(c.token, ReadSecret(ctx, t.token_secret, "token_secret"));
      while (!c.token.empty() && (c.token.back() == '\n' || c.token.back() == '\r')) c.token.pop_back();
    }
    if (!t.client_cert_secret.empty()) {
      KELOLA_ASSIGN_OR_RETURN(c.client_cert_pem, ReadSecret(ctx, t.client_cert_secret, "client_cert_secret"));
    }
    if (!t.client_key_secret.empty()) {
      KELOLA_ASSIGN_OR_RETURN(c.client_key_pem, ReadSecret(ctx, t.client_key_secret, "client_key_secret"));
    }
  }
  Status valid = ValidateKubeConnection(c);
  if (!valid.ok()) return InvalidArgumentError("spec.kubernetes: " + std::string(valid.message()));
  return c;
}

Status KubernetesRolloutStrategy::Rollout(const RolloutContext& ctx, RolloutOutcome& outcome) {
  if (ctx.target == nullptr || ctx.release == nullptr) return InvalidArgumentError("rollout without target or release");
  const KubernetesTarget& t = ctx.target->kubernetes;
  KELOLA_ASSIGN_OR_RETURN(KubeConnection connection, KubeConnectionForTarget(t, ctx));
  KELOLA_ASSIGN_OR_RETURN(auto client, KubeClient::Create(connection, http_));

  DeploymentRolloutOptions render;
  render.manifest = t.deployment_manifest;
  render.image = ctx.release->image_digest.empty() ? ctx.release->image : ctx.release->image_digest;
  render.placeholder = kTargetImagePlaceholder;
  render.namespace_name = t.namespace_name;
  DeploymentRef ref;
  KELOLA_ASSIGN_OR_RETURN(std::string manifest, RenderDeploymentManifest(render, &ref));

  if (!t.service_manifest.empty()) {
    KELOLA_RETURN_IF_ERROR(ApplyService(*client, ref.namespace_name, t.service_manifest));
    Emit(ctx, "deploy.k8s.applied", ref.namespace_name + "/service", "Service applied");
  }
  KELOLA_ASSIGN_OR_RETURN(std::string applied, client->Send("PATCH", ref.Path() + "?fieldManager=kelola&force=true",
                                                            manifest, "application/apply-patch+yaml"));
  const std::string unit = ref.namespace_name + "/" + ref.name;
  outcome.touched = {unit};
  Emit(ctx, "deploy.k8s.applied", unit, "Deployment applied with image " + render.image);
  int reconnects = 0;
  KELOLA_ASSIGN_OR_RETURN(WaitResult wait,
                          WaitForDeploymentRollout(*client, ref, applied, WaitOptions(ctx, unit), &reconnects));
  return Finish(ctx, unit, wait);
}

Status KubernetesRolloutStrategy::RollBack(const RolloutContext& ctx, const RolloutOutcome& /*outcome*/) {
  if (ctx.target == nullptr) return InvalidArgumentError("rollback without a target");
  if (ctx.previous == nullptr) return FailedPreconditionError("no previous release to roll back to");
  const KubernetesTarget& t = ctx.target->kubernetes;
  KELOLA_ASSIGN_OR_RETURN(KubeConnection connection, KubeConnectionForTarget(t, ctx));
  KELOLA_ASSIGN_OR_RETURN(auto client, KubeClient::Create(connection, http_));
  // The Deployment is the one unit of a kubernetes target: whatever
  // `touched` says, it is the one to undo.
  DeploymentRolloutOptions render;
  render.manifest = t.deployment_manifest;
  render.image = ctx.previous->image_digest.empty() ? ctx.previous->image : ctx.previous->image_digest;
  render.placeholder = kTargetImagePlaceholder;
  render.namespace_name = t.namespace_name;
  DeploymentRef ref;
  KELOLA_RETURN_IF_ERROR(RenderDeploymentManifest(render, &ref).status());
  const std::string unit = ref.namespace_name + "/" + ref.name;
  KELOLA_ASSIGN_OR_RETURN(std::string rolled, RollbackDeployment(*client, ref));
  Emit(ctx, "deploy.k8s.rollback", unit, "pod template of the previous revision written back");
  int reconnects = 0;
  KELOLA_ASSIGN_OR_RETURN(WaitResult wait,
                          WaitForDeploymentRollout(*client, ref, rolled, WaitOptions(ctx, unit), &reconnects));
  return Finish(ctx, unit, wait);
}

}  // namespace kelola
