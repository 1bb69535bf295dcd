#include "deploy/target.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "deploy/json_fields.h"

namespace kelola {
namespace {

using json = nlohmann::json;
using deploy_internal::DurationText;
using deploy_internal::JsonFields;

constexpr size_t kMaxManifestBytes = 256 * 1024;
constexpr Duration kMaxWait = std::chrono::hours(24);

bool IsEnvName(const std::string& s) {
  if (s.empty() || s.size() > 255) return false;
  if (s[0] >= '0' && s[0] <= '9') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// RFC 1123 label or subdomain, as resource names are.
bool IsDnsName(const std::string& s, size_t max_length) {
  if (s.empty() || s.size() > max_length) return false;
  if (s.front() == '-' || s.front() == '.' || s.back() == '-' || s.back() == '.') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
}

bool IsLabelText(const std::string& s, size_t max_length) {
  if (s.size() > max_length) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '/';
  });
}

// "3" or "34%": the count or the share; nullopt when malformed.
struct BatchValue {
  int value = 0;
  bool percent = false;
};
std::optional<BatchValue> ParseBatch(const std::string& text) {
  BatchValue b;
  std::string digits = text;
  if (!digits.empty() && digits.back() == '%') {
    b.percent = true;
    digits.pop_back();
  }
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), b.value);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  return b;
}

Status ValidateBatchAt(const std::string& batch, const std::string& path) {
  auto b = ParseBatch(batch);
  if (!b) return InvalidArgumentError(path + ": \"" + batch + "\" is not a host count (\"2\") or a share (\"25%\")");
  if (b->value < 1) return InvalidArgumentError(path + ": \"" + batch + "\" must be at least 1");
  if (b->percent && b->value > 100) return InvalidArgumentError(path + ": \"" + batch + "\" is over 100%");
  return OkStatus();
}

Status DecodeHealth(const json& doc, TargetHealthCheck& h) {
  JsonFields f(doc, "spec.dockerhosts.healthCheck");
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"path", "interval", "timeout", "startTimeout", "healthyThreshold"}));
  KELOLA_ASSIGN_OR_RETURN(h.path, f.Text("path", h.path, 1024));
  if (h.path.empty() || h.path[0] != '/') {
    return InvalidArgumentError(f.Path("path") + ": \"" + h.path + "\" must start with /");
  }
  for (char c : h.path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return InvalidArgumentError(f.Path("path") + " must not hold spaces or control characters");
    }
  }
  KELOLA_ASSIGN_OR_RETURN(h.interval, f.Dur("interval", h.interval, std::chrono::milliseconds(10), kMaxWait));
  KELOLA_ASSIGN_OR_RETURN(h.timeout, f.Dur("timeout", h.timeout, std::chrono::milliseconds(10), kMaxWait));
  KELOLA_ASSIGN_OR_RETURN(h.start_timeout,
                          f.Dur("startTimeout", h.start_timeout, std::chrono::milliseconds(100), kMaxWait));
  KELOLA_ASSIGN_OR_RETURN(h.healthy_threshold, f.Int("healthyThreshold", h.healthy_threshold, 1, 100));
  return OkStatus();
}

Status DecodeDockerHosts(const json& doc, DockerHostsTarget& d) {
  JsonFields f(doc, "spec.dockerhosts");
  KELOLA_RETURN_IF_ERROR(
      f.CheckKeys({"hostSelector", "containerPort", "proxyPort", "healthCheck", "env", "secrets", "batch", "drain"}));
  if (!f.Has("hostSelector")) return InvalidArgumentError(f.Path("hostSelector") + ": required (labels of the Hosts)");
  const json& sel = f.At("hostSelector");
  if (!sel.is_object()) return InvalidArgumentError(f.Path("hostSelector") + " must be an object of labels");
  if (sel.empty()) {
    return InvalidArgumentError(f.Path("hostSelector") +
                                " must name at least one label (an empty one would match "
                                "every Host)");
  }
  if (sel.size() > 32) return InvalidArgumentError(f.Path("hostSelector") + ": at most 32 labels");
  for (auto it = sel.begin(); it != sel.end(); ++it) {
    const std::string path = f.Path("hostSelector") + "." + it.key();
    if (it.key().empty() || !IsLabelText(it.key(), 253)) {
      return InvalidArgumentError(path + ": not a label key (letters, digits, -_./, at most 253)");
    }
    if (!it.value().is_string()) return InvalidArgumentError(path + " must be a string");
    std::string v = it.value().get<std::string>();
    if (!IsLabelText(v, 63))
      return InvalidArgumentError(path + ": not a label value (letters, digits, -_./, at most 63)");
    d.host_selector[it.key()] = v;
  }
  KELOLA_ASSIGN_OR_RETURN(d.container_port, f.Int("containerPort", d.container_port, 1, 65535));
  KELOLA_ASSIGN_OR_RETURN(d.proxy_port, f.Int("proxyPort", d.proxy_port, 1, 65535));
  if (f.Has("healthCheck")) KELOLA_RETURN_IF_ERROR(DecodeHealth(f.At("healthCheck"), d.health));
  std::set<std::string> env_names;
  if (f.Has("env")) {
    const json& env = f.At("env");
    if (!env.is_object()) return InvalidArgumentError(f.Path("env") + " must be an object of NAME: value");
    if (env.size() > 256) return InvalidArgumentError(f.Path("env") + ": at most 256 variables");
    for (auto it = env.begin(); it != env.end(); ++it) {
      const std::string path = f.Path("env") + "." + it.key();
      if (!IsEnvName(it.key())) return InvalidArgumentError(path + ": not an environment variable name");
      if (!it.value().is_string()) return InvalidArgumentError(path + " must be a string");
      std::string v = it.value().get<std::string>();
      if (v.size() > 32768) return InvalidArgumentError(path + " is longer than 32768 bytes");
      d.env[it.key()] = v;
      env_names.insert(it.key());
    }
  }
  if (f.Has("secrets")) {
    const json& list = f.At("secrets");
    if (!list.is_array()) return InvalidArgumentError(f.Path("secrets") + " must be an array");
    if (list.size() > 256) return InvalidArgumentError(f.Path("secrets") + ": at most 256 entries");
    for (size_t i = 0; i < list.size(); ++i) {
      JsonFields s(list[i], f.Path("secrets") + "[" + std::to_string(i) + "]");
      KELOLA_RETURN_IF_ERROR(s.CheckKeys({"env", "secret", "key"}));
      SecretEnvRef ref;
      KELOLA_ASSIGN_OR_RETURN(ref.env, s.RequiredText("env", 255));
      if (!IsEnvName(ref.env)) return InvalidArgumentError(s.Path("env") + ": not an environment variable name");
      if (!env_names.insert(ref.env).second) {
        return InvalidArgumentError(s.Path("env") + ": " + ref.env + " is already set (env or another secret)");
      }
      KELOLA_ASSIGN_OR_RETURN(ref.secret, s.RequiredText("secret", 253));
      if (!IsDnsName(ref.secret, 253)) return InvalidArgumentError(s.Path("secret") + ": not a Secret name");
      KELOLA_ASSIGN_OR_RETURN(ref.key, s.Text("key", "", 253));
      d.secrets.push_back(std::move(ref));
    }
  }
  KELOLA_ASSIGN_OR_RETURN(d.batch, f.Text("batch", d.batch, 16));
  KELOLA_RETURN_IF_ERROR(ValidateBatchAt(d.batch, f.Path("batch")));
  KELOLA_ASSIGN_OR_RETURN(d.drain, f.Dur("drain", d.drain, Duration::zero(), std::chrono::hours(1)));
  return OkStatus();
}

Status DecodeKubernetes(const json& doc, KubernetesTarget& k) {
  JsonFields f(doc, "spec.kubernetes");
  KELOLA_RETURN_IF_ERROR(
      f.CheckKeys({"apiServer", "caSecret", "tokenSecret", "clientCertSecret", "clientKeySecret", "kubeconfigSecret",
                   "namespace", "deploymentManifest", "serviceManifest", "rolloutTimeout"}));
  KELOLA_ASSIGN_OR_RETURN(k.api_server, f.Text("apiServer", "", 2048));
  struct SecretField {
    const char* key;
    std::string* out;
  };
  for (SecretField s :
       {SecretField{"caSecret", &k.ca_secret}, SecretField{"tokenSecret", &k.token_secret},
        SecretField{"clientCertSecret", &k.client_cert_secret}, SecretField{"clientKeySecret", &k.client_key_secret},
        SecretField{"kubeconfigSecret", &k.kubeconfig_secret}}) {
    KELOLA_ASSIGN_OR_RETURN(*s.out, f.Text(s.key, "", 253));
    if (!s.out->empty() && !IsDnsName(*s.out, 253)) {
      return InvalidArgumentError(f.Path(s.key) + ": \"" + *s.out + "\" is not a Secret name");
    }
  }
  if (k.api_server.empty() && k.kubeconfig_secret.empty()) {
    return InvalidArgumentError(f.Path("apiServer") + ": required (or kubeconfigSecret)");
  }
  if (!k.api_server.empty() && k.api_server.rfind("https://", 0) != 0) {
    return InvalidArgumentError(f.Path("apiServer") + ": \"" + k.api_server + "\" must be an https:// URL");
  }
  if (k.client_cert_secret.empty() != k.client_key_secret.empty()) {
    return InvalidArgumentError("spec.kubernetes: clientCertSecret and clientKeySecret go together");
  }
  if (k.token_secret.empty() && k.client_cert_secret.empty() && k.kubeconfig_secret.empty()) {
    return InvalidArgumentError(
        "spec.kubernetes: credentials required: tokenSecret, clientCertSecret + clientKeySecret, or kubeconfigSecret");
  }
  KELOLA_ASSIGN_OR_RETURN(k.namespace_name, f.Text("namespace", k.namespace_name, 63));
  if (!IsDnsName(k.namespace_name, 63) || k.namespace_name.find('.') != std::string::npos) {
    return InvalidArgumentError(f.Path("namespace") + ": \"" + k.namespace_name + "\" is not a namespace name");
  }
  KELOLA_ASSIGN_OR_RETURN(k.deployment_manifest, f.RequiredText("deploymentManifest", kMaxManifestBytes));
  if (k.deployment_manifest.find(kTargetImagePlaceholder) == std::string::npos) {
    return InvalidArgumentError(f.Path("deploymentManifest") + ": holds no " + kTargetImagePlaceholder +
                                " where the release's image goes");
  }
  KELOLA_ASSIGN_OR_RETURN(k.service_manifest, f.Text("serviceManifest", "", kMaxManifestBytes));
  KELOLA_ASSIGN_OR_RETURN(k.rollout_timeout,
                          f.Dur("rolloutTimeout", k.rollout_timeout, std::chrono::seconds(1), kMaxWait));
  return OkStatus();
}

}  // namespace

std::string_view TargetKindName(TargetSpec::Kind kind) {
  return kind == TargetSpec::Kind::kKubernetes ? "kubernetes" : "dockerhosts";
}

Result<TargetSpec> DecodeTargetSpec(const std::string& name, const std::string& spec_json) {
  KELOLA_ASSIGN_OR_RETURN(json doc, deploy_internal::ParseObject(spec_json, "spec"));
  JsonFields f(doc, "spec");
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"kind", "service", "dockerhosts", "kubernetes"}));
  TargetSpec t;
  t.name = name;
  KELOLA_ASSIGN_OR_RETURN(std::string kind, f.Text("kind", "", 32));
  if (kind == "dockerhosts") {
    t.kind = TargetSpec::Kind::kDockerHosts;
  } else if (kind == "kubernetes") {
    t.kind = TargetSpec::Kind::kKubernetes;
  } else if (kind.empty()) {
    return InvalidArgumentError("spec.kind: required, dockerhosts or kubernetes");
  } else {
    return InvalidArgumentError("spec.kind: \"" + kind + "\" is not dockerhosts or kubernetes");
  }
  KELOLA_ASSIGN_OR_RETURN(t.service, f.Text("service", "", 63));
  if (!t.service.empty() && !IsDnsName(t.service, 63)) {
    return InvalidArgumentError("spec.service: \"" + t.service + "\" must be lower-case letters, digits, - and .");
  }
  const char* own = t.kind == TargetSpec::Kind::kKubernetes ? "kubernetes" : "dockerhosts";
  const char* other = t.kind == TargetSpec::Kind::kKubernetes ? "dockerhosts" : "kubernetes";
  if (f.Has(other)) {
    return InvalidArgumentError(f.Path(other) + ": not allowed with kind " + kind);
  }
  if (!f.Has(own)) return InvalidArgumentError(f.Path(own) + ": required with kind " + kind);
  if (t.kind == TargetSpec::Kind::kKubernetes) {
    KELOLA_RETURN_IF_ERROR(DecodeKubernetes(f.At(own), t.kubernetes));
  } else {
    KELOLA_RETURN_IF_ERROR(DecodeDockerHosts(f.At(own), t.dockerhosts));
  }
  return t;
}

std::string EncodeTargetSpec(const TargetSpec& spec) {
  json doc = {{"kind", std::string(TargetKindName(spec.kind))}};
  if (!spec.service.empty()) doc["service"] = spec.service;
  if (spec.kind == TargetSpec::Kind::kKubernetes) {
    const KubernetesTarget& k = spec.kubernetes;
    json kd = json::object();
    auto put = [&kd](const char* key, const std::string& v) {
      if (!v.empty()) kd[key] = v;
    };
    put("apiServer", k.api_server);
    put("caSecret", k.ca_secret);
    put("tokenSecret", k.token_secret);
    put("clientCertSecret", k.client_cert_secret);
    put("clientKeySecret", k.client_key_secret);
    put("kubeconfigSecret", k.kubeconfig_secret);
    kd["namespace"] = k.namespace_name;
    kd["deploymentManifest"] = k.deployment_manifest;
    put("serviceManifest", k.service_manifest);
    kd["rolloutTimeout"] = DurationText(k.rollout_timeout);
    doc["kubernetes"] = std::move(kd);
  } else {
    const DockerHostsTarget& d = spec.dockerhosts;
    json secrets = json::array();
    for (const SecretEnvRef& s : d.secrets) {
      json e = {{"env", s.env}, {"secret", s.secret}};
      if (!s.key.empty()) e["key"] = s.key;
      secrets.push_back(std::move(e));
    }
    doc["dockerhosts"] = {{"hostSelector", d.host_selector},
                          {"containerPort", d.container_port},
                          {"proxyPort", d.proxy_port},
                          {"healthCheck",
                           {{"path", d.health.path},
                            {"interval", DurationText(d.health.interval)},
                            {"timeout", DurationText(d.health.timeout)},
                            {"startTimeout", DurationText(d.health.start_timeout)},
                            {"healthyThreshold", d.health.healthy_threshold}}},
                          {"env", d.env.empty() ? json::object() : json(d.env)},
                          {"secrets", std::move(secrets)},
                          {"batch", d.batch},
                          {"drain", DurationText(d.drain)}};
  }
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status ValidateBatch(const std::string& batch) { return ValidateBatchAt(batch, "spec.dockerhosts.batch"); }

int BatchSize(const std::string& batch, int host_count) {
  if (host_count <= 0) return 0;
  auto b = ParseBatch(batch);
  if (!b || b->value < 1) return 1;
  int64_t n = b->percent ? (static_cast<int64_t>(std::min(b->value, 100)) * host_count + 99) / 100 : b->value;
  return static_cast<int>(std::clamp<int64_t>(n, 1, host_count));
}

}  // namespace kelola
