#include "daemon/deploy_service.h"

#include <nlohmann/json.hpp>

#include "deploy/release_controller.h"
#include "integrations/docker/dockerhosts_rollout.h"
#include "integrations/docker/image_reference.h"
#include "integrations/docker/registry_client.h"
#include "integrations/kubernetes/kubernetes_rollout_strategy.h"

namespace kelola {
namespace {

// Tags to digests through the OCI distribution API (HEAD of the manifest).
// Anonymous: registries that need credentials for reads are not supported
// yet (the release fails with the registry's PermissionDenied).
class RegistryImageResolver final : public ImageResolver {
 public:
  Result<std::string> ResolveDigest(const std::string& image) override {
    auto ref = docker::ParseImageReference(image);
    if (!ref.ok()) return InvalidArgumentError("image " + image + ": " + ref.status().message());
    if (!ref->digest.empty()) return ref->Name() + "@" + ref->digest;  // already pinned
    auto digest = client_.ManifestDigest(image, RegistryCredentials{});
    if (!digest.ok()) {
      if (digest.status().code() == StatusCode::kNotFound) {
        return NotFoundError("image " + image + " not found in registry " + ref->registry);
      }
      return digest.status().WithContext("resolving " + image + " in registry " + ref->registry);
    }
    return ref->Name() + "@" + *digest;
  }

 private:
  docker::RegistryClient client_;
};

}  // namespace

void RegisterRolloutStrategies(RolloutStrategyRegistry& registry) {
  registry.Register(TargetSpec::Kind::kDockerHosts, docker::MakeDockerHostsRollout());
  registry.Register(TargetSpec::Kind::kKubernetes, std::make_shared<KubernetesRolloutStrategy>());
}

DeployService::DeployService(Store& store, Clock& clock, SecretResolver secrets, DeployServiceOptions options)
    : store_(store),
      clock_(clock),
      secrets_(std::move(secrets)),
      options_(std::move(options)),
      strategies_(std::make_shared<RolloutStrategyRegistry>()),
      images_(std::make_unique<RegistryImageResolver>()) {
  RegisterRolloutStrategies(*strategies_);
}

DeployService::~DeployService() = default;

Status DeployService::Register(ControllerManager& manager) {
  ReleaseControllerOptions o;
  o.strategies = strategies_.get();
  o.images = images_.get();
  o.clock = &clock_;
  o.known_hosts_path = options_.data_dir + "/known_hosts";
  o.stopping = options_.stopping;
  SecretResolver secrets = secrets_;
  // A Secret's whole value, or one key of a JSON-object value.
  o.secret = [secrets](const std::string& name, const std::string& key) -> Result<std::string> {
    if (!secrets) return FailedPreconditionError("secrets are not available");
    KELOLA_ASSIGN_OR_RETURN(std::string value, secrets(name));
    if (key.empty()) return value;
    nlohmann::json doc = nlohmann::json::parse(value, nullptr, false);
    if (!doc.is_object() || !doc.contains(key) || !doc[key].is_string()) {
      return NotFoundError("secret " + name + " has no key " + key + " (its value must be a JSON object of strings)");
    }
    return doc[key].get<std::string>();
  };
  return RegisterReleaseController(manager, std::move(o));
}

}  // namespace kelola
