// KubeControlPlane: a real Kubernetes control plane on loopback for the
// Kubernetes integration tests: etcd, kube-apiserver (TLS, RBAC),
// kube-controller-manager (the deployment and replicaset controllers are what
// the tests use), kube-scheduler and kwok, which plays the kubelet of one fake
// Node: it makes the pods bound to it Running and Ready.
//
// The binaries come from scripts/build-kube-control-plane, which builds them
// from the Go module proxy into ${KELOLA_KUBE_CACHE:-/root/.cache/kelola/kube}
// /<version>/bin (KELOLA_KUBE_BIN overrides the directory). Everything else
// (certificates, keys, the token file, kubeconfigs, etcd's data and the logs)
// lives in a TempDir removed on destruction.
//
// Authentication: a CA made with the openssl CLI signs the apiserver's
// serving certificate and one client certificate (CN kelola-admin, O
// system:masters); a token file holds three random bearer tokens: the admin
// (system:masters), "kelola-deployer" and "kelola-nobody", which have no
// rights until a test binds a Role to them (authorization is RBAC).
//
// kwok makes every pod Ready except those whose first container's image is
// kNeverReadyImage: they stay Pending forever, for progress-deadline tests.
//
// Errors: FailedPrecondition when the binaries are not built (the message
// names the script); Unavailable when a component did not come up (with the
// tail of its log). Thread-safety: one owner.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

struct KubeReply {
  long status = 0;
  std::string body;
};

class KubeControlPlane {
 public:
  static constexpr const char* kNeverReadyImage = "registry.kelola.invalid/never-ready:1";
  static constexpr const char* kNodeName = "kwok-node-0";

  // The directory with the binaries, or FailedPrecondition saying how to build them.
  static Result<std::string> BinaryDir();

  // Starts everything and waits until the fake node is Ready (10-40 s on a
  // busy 2-core machine).
  static Result<std::unique_ptr<KubeControlPlane>> Start();
  KubeControlPlane(const KubeControlPlane&) = delete;
  KubeControlPlane& operator=(const KubeControlPlane&) = delete;
  ~KubeControlPlane();

  // Stops only the apiserver (etcd and the rest stay up: their clients
  // reconnect), then starts it again on the same port with the same state.
  void StopApiServer();
  Status StartApiServer();

  std::string url() const { return "https://127.0.0.1:" + std::to_string(api_port_); }
  std::string ca_file() const { return dir_->File("ca.crt"); }
  const std::string& token() const { return admin_token_; }  // system:masters
  const std::string& deployer_token() const { return deployer_token_; }
  const std::string& nobody_token() const { return nobody_token_; }
  std::string client_cert_file() const { return dir_->File("admin.crt"); }
  std::string client_key_file() const { return dir_->File("admin.key"); }
  // A kubeconfig whose current context is the admin client certificate.
  std::string admin_kubeconfig() const { return dir_->File("admin.kubeconfig"); }
  const std::string& dir() const { return dir_->path(); }

  // One admin request (bearer token), for test setup and checks. `body` is
  // JSON unless `content_type` says otherwise.
  Result<KubeReply> Request(const std::string& method, const std::string& path, const std::string& body = "",
                            const std::string& content_type = "application/json") const;
  // Creates a namespace (ok if it exists).
  Status CreateNamespace(const std::string& name) const;
  // Lets `user` (e.g. "kelola-deployer") manage Deployments and Services
  // and read ReplicaSets in `ns`, and nothing else: a Role and a RoleBinding.
  Status GrantDeployer(const std::string& ns, const std::string& user) const;

 private:
  KubeControlPlane() = default;
  Status WriteCredentials();
  Status StartEtcd();
  Status StartController(const std::string& name, std::vector<std::string> argv, std::unique_ptr<ChildProcess>* out);
  Status WaitForNodeReady();

  std::string bin_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ChildProcess> etcd_, apiserver_, controller_manager_, scheduler_, kwok_;
  int etcd_port_ = 0;
  int api_port_ = 0;
  std::string admin_token_, deployer_token_, nobody_token_;
};

}  // namespace kelola::harness
