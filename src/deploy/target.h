// TargetSpec: where a service is deployed — a `Target` resource's spec as
// values, and its strict decoding (errors name the field:
// "spec.dockerhosts.batch: \"150%\" is over 100%").
//
// Two kinds, one release model:
// - dockerhosts (Kamal's way): the fleet Hosts matching `host_selector`,
//   each running the service as a container behind the host's reverse
//   proxy; hosts go in rolling batches.
// - kubernetes: one Deployment (plus an optional Service) in a namespace,
//   applied with the new image and watched as `kubectl rollout status`.
// docs/deploys.md describes every field.
// Pure values and functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

// The placeholder a manifest or env value carries where the release's image
// reference ("registry/repo@sha256:...") goes.
inline constexpr const char* kTargetImagePlaceholder = "{{image}}";

// An environment variable whose value is a stored Secret (never logged,
// never in a Release or an event).
struct SecretEnvRef {
  std::string env;     // "DATABASE_URL"
  std::string secret;  // the Secret resource's name
  std::string key;     // "" = the secret's whole value
};

struct TargetHealthCheck {
  std::string path = "/up";  // HTTP GET on the container port; 2xx is healthy
  Duration interval = std::chrono::seconds(1);
  Duration timeout = std::chrono::seconds(2);
  // A new container (or replica) that is not healthy within this is a failed
  // deploy: that host keeps the old version and the release rolls back.
  Duration start_timeout = std::chrono::seconds(60);
  int healthy_threshold = 1;  // consecutive passes before traffic switches
};

struct DockerHostsTarget {
  // Label selector over the fleet's Host resources ("kelola.io/group": "web").
  std::map<std::string, std::string> host_selector;
  int container_port = 80;  // where the application listens inside its container
  int proxy_port = 80;      // where the host's reverse proxy listens
  TargetHealthCheck health;
  std::map<std::string, std::string> env;
  std::vector<SecretEnvRef> secrets;
  // Hosts per rolling batch: "1", "3", "34%" (of the matching hosts, rounded
  // up, at least 1). The rollout stops at the first batch with a failure.
  std::string batch = "1";
  // How long the old container keeps serving in-flight requests after the
  // proxy switched, before it is stopped.
  Duration drain = std::chrono::seconds(5);
};

struct KubernetesTarget {
  std::string api_server;  // "https://127.0.0.1:6443"
  // Credentials by Secret name (never inline): a CA bundle (PEM), a bearer
  // token, or a client certificate + key (PEM), or a whole kubeconfig.
  std::string ca_secret;
  std::string token_secret;
  std::string client_cert_secret;
  std::string client_key_secret;
  std::string kubeconfig_secret;
  std::string namespace_name = "default";
  // Manifests (YAML or JSON) with kTargetImagePlaceholder where the image goes.
  std::string deployment_manifest;
  std::string service_manifest;  // optional
  // Bound on the whole rollout watch, on top of the Deployment's own
  // progressDeadlineSeconds.
  Duration rollout_timeout = std::chrono::minutes(10);
};

struct TargetSpec {
  enum class Kind { kDockerHosts, kKubernetes };
  std::string name;  // the resource name
  Kind kind = Kind::kDockerHosts;
  std::string service;  // the service it runs (labels, timeline); "" = name
  DockerHostsTarget dockerhosts;
  KubernetesTarget kubernetes;
};

std::string_view TargetKindName(TargetSpec::Kind kind);  // "dockerhosts" | "kubernetes"

// Decodes and validates a Target spec (JSON object). InvalidArgument naming
// the field: unknown keys, wrong types, a missing kind section, ports out of
// range, a bad batch, a manifest without the image placeholder.
Result<TargetSpec> DecodeTargetSpec(const std::string& name, const std::string& spec_json);
std::string EncodeTargetSpec(const TargetSpec& spec);

// Hosts in one batch for `host_count` matching hosts ("34%" of 3 = 2): a
// share rounds up, at least 1, never more than there are. For a batch that
// passed ValidateBatch (as every decoded spec's did).
int BatchSize(const std::string& batch, int host_count);
// "2", "34%": InvalidArgument naming spec.dockerhosts.batch for "", "0",
// "0%", "150%", "abc" — for strategies handed a TargetSpec built in code.
Status ValidateBatch(const std::string& batch);

}  // namespace kelola
