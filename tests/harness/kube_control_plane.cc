#include "tests/harness/kube_control_plane.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/run_command.h"

namespace kelola::harness {
namespace {

constexpr const char* kVersion = "v1.37.2";
constexpr auto kReadyTimeout = std::chrono::seconds(120);

bool Executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

Result<std::string> RandomHex(size_t bytes) {
  std::ifstream in("/dev/urandom", std::ios::binary);
  std::string raw(bytes, '\0');
  if (!in.read(raw.data(), static_cast<std::streamsize>(bytes))) return InternalError("cannot read /dev/urandom");
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

// Real time on purpose: these wait for real servers.
void Pause() { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }

// Polls `probe` until it answers 200, the process exits or time runs out.
Status WaitForReady(const HttpRequestSpec& probe, ChildProcess& process) {
  HttpRequestSpec attempt = probe;
  attempt.timeout = std::chrono::seconds(2);
  Clock& clock = SystemClock();
  const MonoTime deadline = clock.Monotonic() + kReadyTimeout;
  std::string last = "no answer";
  while (clock.Monotonic() < deadline) {
    auto reply = HttpCall(attempt);
    if (reply.ok() && reply->status == 200) return OkStatus();
    last = reply.ok() ? "status " + std::to_string(reply->status) : reply.status().ToString();
    if (!process.Running()) return UnavailableError("it exited (" + last + ")");
    Pause();
  }
  return DeadlineExceededError(probe.url + " not ready in time; last: " + last);
}

std::string Kubeconfig(const std::string& url, const std::string& dir) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: " + url +
         "\n    certificate-authority: " + dir +
         "/ca.crt\nusers:\n- name: admin\n  user:\n"
         "    client-certificate: " +
         dir + "/admin.crt\n    client-key: " + dir +
         "/admin.key\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: admin\n"
         "current-context: test\n";
}

// kwok's stages (with a --config it has no defaults): pods become ready as
// with its "fast" stages, except those running kNeverReadyImage; deleted pods
// go at once; the node turns Ready once (kwok renews its Lease, which is the
// heartbeat the node lifecycle controller watches).
std::string KwokStages() {
  return std::string(R"(apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.podIP'
      operator: 'DoesNotExist'
    - key: '.spec.containers.[0].image'
      operator: 'NotIn'
      values:
      - ')") +
         KubeControlPlane::kNeverReadyImage +
         R"('
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    finalizers:
      empty: true
    delete: true
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.phase'
      operator: 'NotIn'
      values:
      - 'Running'
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - type: Ready
        status: "True"
        reason: KubeletReady
        message: kwok plays this node's kubelet
        lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $now | Quote }}
      addresses:
      - type: InternalIP
        address: {{ NodeIP | Quote }}
      allocatable: {cpu: "32", memory: 64Gi, pods: "110"}
      capacity: {cpu: "32", memory: 64Gi, pods: "110"}
      nodeInfo:
        architecture: amd64
        operatingSystem: linux
        kubeletVersion: kwok
      phase: Running
)";
}

}  // namespace

Result<std::string> KubeControlPlane::BinaryDir() {
  std::string dir;
  if (const char* bin = std::getenv("KELOLA_KUBE_BIN"); bin != nullptr && *bin != '\0') {
    dir = bin;
  } else {
    const char* cache = std::getenv("KELOLA_KUBE_CACHE");
    dir =
        std::string(cache != nullptr && *cache != '\0' ? cache : "/root/.cache/kelola/kube") + "/" + kVersion + "/bin";
  }
  for (const char* name : {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}) {
    if (!Executable(dir + "/" + name)) {
      return FailedPreconditionError(std::string("the Kubernetes control plane is not built (") + dir + "/" + name +
                                     " missing): run scripts/build-kube-control-plane (scripts/install-deps does)");
    }
  }
  return dir;
}

Status KubeControlPlane::WriteCredentials() {
  const std::string d = dir_->path();
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
  auto req = [&](const std::string& name, const std::string& subject, bool self_signed) {
    std::vector<std::string> argv = {"openssl", "req"};
    if (self_signed) argv.insert(argv.end(), {"-x509", "-days", "2"});
    argv.insert(argv.end(), ec.begin(), ec.end());
    argv.insert(argv.end(), {"-keyout", d + "/" + name + ".key", "-subj", subject});
    if (self_signed) {
      argv.insert(argv.end(), {"-out", d + "/" + name + ".crt"});
    } else {
      argv.insert(argv.end(), {"-out", d + "/" + name + ".csr"});
    }
    return RunCommandOk(argv).status();
  };
  auto sign = [&](const std::string& name, const std::string& extensions) -> Status {
    KELOLA_RETURN_IF_ERROR(WriteFile(d + "/" + name + ".ext", extensions));
    return RunCommandOk({"openssl", "x509", "-req", "-in", d + "/" + name + ".csr", "-CA", d + "/ca.crt", "-CAkey",
                         d + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", d + "/" + name + ".ext", "-out",
                         d + "/" + name + ".crt"})
        .status();
  };
  KELOLA_RETURN_IF_ERROR(req("ca", "/CN=kelola-test-ca", true));
  KELOLA_RETURN_IF_ERROR(req("apiserver", "/CN=kube-apiserver", false));
  KELOLA_RETURN_IF_ERROR(sign("apiserver",
                              "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n"
                              "extendedKeyUsage=serverAuth\n"));
  KELOLA_RETURN_IF_ERROR(req("admin", "/O=system:masters/CN=kelola-admin", false));
  KELOLA_RETURN_IF_ERROR(sign("admin", "extendedKeyUsage=clientAuth\n"));
  KELOLA_RETURN_IF_ERROR(RunCommandOk({"openssl", "genrsa", "-out", d + "/sa.key", "2048"}).status());
  KELOLA_RETURN_IF_ERROR(
      RunCommandOk({"openssl", "rsa", "-in", d + "/sa.key", "-pubout", "-out", d + "/sa.pub"}).status());

  KELOLA_ASSIGN_OR_RETURN(admin_token_, RandomHex(24));
  KELOLA_ASSIGN_OR_RETURN(deployer_token_, RandomHex(24));
  KELOLA_ASSIGN_OR_RETURN(nobody_token_, RandomHex(24));
  KELOLA_RETURN_IF_ERROR(WriteFile(d + "/tokens.csv",
                                   admin_token_ + ",kelola-admin-token,uid-admin,\"system:masters\"\n" +
                                       deployer_token_ + ",kelola-deployer,uid-deployer\n" + nobody_token_ +
                                       ",kelola-nobody,uid-nobody\n",
                                   0600));
  KELOLA_RETURN_IF_ERROR(WriteFile(d + "/kwok-stages.yaml", KwokStages()));
  return OkStatus();
}

Status KubeControlPlane::StartEtcd() {
  KELOLA_ASSIGN_OR_RETURN(etcd_port_, FreePort());
  KELOLA_ASSIGN_OR_RETURN(int peer_port, FreePort());
  const std::string client = "http://127.0.0.1:" + std::to_string(etcd_port_);
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port);
  SpawnOptions spawn;
  spawn.argv = {bin_ + "/etcd",
                "--name=kelola",
                "--data-dir=" + dir_->File("etcd"),
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=kelola=" + peer,
                "--unsafe-no-fsync",
                "--log-level=warn"};
  spawn.log_path = dir_->File("etcd.log");
  KELOLA_ASSIGN_OR_RETURN(etcd_, ChildProcess::Spawn(spawn));
  HttpRequestSpec probe;
  probe.url = client + "/health";
  Status ready = WaitForReady(probe, *etcd_);
  if (!ready.ok())
    return UnavailableError("etcd did not come up: " + ready.ToString() + "\n" + TailOfFile(spawn.log_path));
  return OkStatus();
}

Status KubeControlPlane::StartApiServer() {
  const std::string d = dir_->path();
  SpawnOptions spawn;
  spawn.argv = {bin_ + "/kube-apiserver", "--etcd-servers=http://127.0.0.1:" + std::to_string(etcd_port_),
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
                // The "kubernetes" Service's endpoints may not be loopback.
                "--endpoint-reconciler-type=none", "--secure-port=" + std::to_string(api_port_),
                "--cert-dir=" + d + "/apiserver-certs", "--tls-cert-file=" + d + "/apiserver.crt",
                "--tls-private-key-file=" + d + "/apiserver.key", "--client-ca-file=" + d + "/ca.crt",
                "--token-auth-file=" + d + "/tokens.csv", "--service-account-issuer=https://kubernetes.default.svc",
                "--service-account-key-file=" + d + "/sa.pub", "--service-account-signing-key-file=" + d + "/sa.key",
                "--service-cluster-ip-range=10.96.0.0/24", "--authorization-mode=RBAC",
                // Pods get no service-account token: no kubelet would mount it.
                "--disable-admission-plugins=ServiceAccount", "--enable-priority-and-fairness=false"};
  spawn.log_path = dir_->File("kube-apiserver.log");
  KELOLA_ASSIGN_OR_RETURN(apiserver_, ChildProcess::Spawn(spawn));
  HttpRequestSpec probe;
  probe.url = url() + "/readyz";
  probe.ca_file = ca_file();
  probe.headers = {"Authorization: Bearer " + admin_token_};
  Status ready = WaitForReady(probe, *apiserver_);
  if (!ready.ok()) {
    return UnavailableError("kube-apiserver did not become ready: " + ready.ToString() + "\n" +
                            TailOfFile(spawn.log_path));
  }
  return OkStatus();
}

void KubeControlPlane::StopApiServer() {
  if (apiserver_) apiserver_->Stop();
  apiserver_.reset();
}

Status KubeControlPlane::StartController(const std::string& name, std::vector<std::string> argv,
                                         std::unique_ptr<ChildProcess>* out) {
  SpawnOptions spawn;
  spawn.argv = std::move(argv);
  spawn.log_path = dir_->File(name + ".log");
  KELOLA_ASSIGN_OR_RETURN(*out, ChildProcess::Spawn(spawn));
  return OkStatus();
}

Result<KubeReply> KubeControlPlane::Request(const std::string& method, const std::string& path, const std::string& body,
                                            const std::string& content_type) const {
  HttpRequestSpec spec;
  spec.method = method;
  spec.url = url() + path;
  spec.ca_file = ca_file();
  spec.headers = {"Authorization: Bearer " + admin_token_, "Accept: application/json"};
  if (!body.empty()) {
    spec.headers.push_back("Content-Type: " + content_type);
    spec.body = body;
  }
  KELOLA_ASSIGN_OR_RETURN(auto reply, HttpCall(spec));
  return KubeReply{reply.status, reply.body};
}

Status KubeControlPlane::CreateNamespace(const std::string& name) const {
  nlohmann::json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  KELOLA_ASSIGN_OR_RETURN(auto reply, Request("POST", "/api/v1/namespaces", ns.dump()));
  if (reply.status != 201 && reply.status != 409) {
    return InternalError("creating namespace " + name + ": " + std::to_string(reply.status) + " " + reply.body);
  }
  return OkStatus();
}

Status KubeControlPlane::GrantDeployer(const std::string& ns, const std::string& user) const {
  nlohmann::json role = {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", "Role"},
      {"metadata", {{"name", "kelola-deployer"}, {"namespace", ns}}},
      {"rules",
       {{{"apiGroups", {"apps"}},
         {"resources", {"deployments"}},
         {"verbs", {"get", "list", "watch", "create", "update", "patch"}}},
        {{"apiGroups", {"apps"}}, {"resources", {"replicasets"}}, {"verbs", {"get", "list"}}},
        {{"apiGroups", {""}}, {"resources", {"services"}}, {"verbs", {"get", "create", "update", "patch"}}}}}};
  nlohmann::json binding = {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", "RoleBinding"},
      {"metadata", {{"name", "kelola-deployer"}, {"namespace", ns}}},
      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "kelola-deployer"}}},
      {"subjects", {{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "User"}, {"name", user}}}}};
  const std::string base = "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns;
  for (const auto& [path, object] : {std::pair{base + "/roles", role}, std::pair{base + "/rolebindings", binding}}) {
    KELOLA_ASSIGN_OR_RETURN(auto reply, Request("POST", path, object.dump()));
    if (reply.status != 201 && reply.status != 409) {
      return InternalError("POST " + path + ": " + std::to_string(reply.status) + " " + reply.body);
    }
  }
  return OkStatus();
}

Status KubeControlPlane::WaitForNodeReady() {
  nlohmann::json node = {{"apiVersion", "v1"},
                         {"kind", "Node"},
                         {"metadata",
                          {{"name", kNodeName},
                           {"annotations", {{"kwok.x-k8s.io/node", "fake"}, {"node.alpha.kubernetes.io/ttl", "0"}}},
                           {"labels", {{"type", "kwok"}, {"kubernetes.io/hostname", kNodeName}}}}}};
  KELOLA_ASSIGN_OR_RETURN(auto created, Request("POST", "/api/v1/nodes", node.dump()));
  if (created.status != 201) {
    return InternalError("creating the kwok node: " + std::to_string(created.status) + " " + created.body);
  }
  Clock& clock = SystemClock();
  const MonoTime deadline = clock.Monotonic() + kReadyTimeout;
  while (clock.Monotonic() < deadline) {
    auto reply = Request("GET", std::string("/api/v1/nodes/") + kNodeName);
    if (reply.ok() && reply->status == 200) {
      auto json = nlohmann::json::parse(reply->body, nullptr, false);
      if (json.is_object() && json.contains("status") && json["status"].contains("conditions")) {
        for (const auto& c : json["status"]["conditions"]) {
          if (c.value("type", "") == "Ready" && c.value("status", "") == "True") return OkStatus();
        }
      }
    }
    if (!kwok_->Running()) break;
    Pause();
  }
  return UnavailableError("kwok did not make node " + std::string(kNodeName) + " Ready; kwok log:\n" +
                          TailOfFile(dir_->File("kwok.log")));
}

Result<std::unique_ptr<KubeControlPlane>> KubeControlPlane::Start() {
  KELOLA_ASSIGN_OR_RETURN(std::string bin, BinaryDir());
  std::unique_ptr<KubeControlPlane> cp(new KubeControlPlane());
  cp->bin_ = bin;
  KELOLA_ASSIGN_OR_RETURN(cp->dir_, TempDir::Create("kelola-kube"));
  KELOLA_RETURN_IF_ERROR(cp->WriteCredentials());
  KELOLA_RETURN_IF_ERROR(cp->StartEtcd());
  KELOLA_ASSIGN_OR_RETURN(cp->api_port_, FreePort());
  KELOLA_RETURN_IF_ERROR(cp->StartApiServer());
  const std::string kubeconfig = cp->admin_kubeconfig();
  KELOLA_RETURN_IF_ERROR(WriteFile(kubeconfig, Kubeconfig(cp->url(), cp->dir()), 0600));
  KELOLA_RETURN_IF_ERROR(cp->StartController(
      "kube-controller-manager",
      {bin + "/kube-controller-manager", "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
       "--authorization-kubeconfig=" + kubeconfig, "--leader-elect=false", "--bind-address=127.0.0.1",
       "--secure-port=0", "--controllers=*", "--service-account-private-key-file=" + cp->dir() + "/sa.key",
       "--root-ca-file=" + cp->ca_file(), "--use-service-account-credentials=false"},
      &cp->controller_manager_));
  KELOLA_RETURN_IF_ERROR(
      cp->StartController("kube-scheduler",
                          {bin + "/kube-scheduler", "--kubeconfig=" + kubeconfig,
                           "--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
                           "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=0"},
                          &cp->scheduler_));
  KELOLA_ASSIGN_OR_RETURN(int kwok_port, FreePort());
  KELOLA_RETURN_IF_ERROR(cp->StartController(
      "kwok",
      {bin + "/kwok", "--kubeconfig=" + kubeconfig, "--config=" + cp->dir() + "/kwok-stages.yaml",
       "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
       "--server-address=127.0.0.1:" + std::to_string(kwok_port), "--node-lease-duration-seconds=40",
       "--cidr=10.244.0.0/16", "--node-ip=10.240.0.1"},
      &cp->kwok_));
  KELOLA_RETURN_IF_ERROR(cp->WaitForNodeReady());
  return cp;
}

KubeControlPlane::~KubeControlPlane() {
  for (auto* p : {&kwok_, &scheduler_, &controller_manager_, &apiserver_, &etcd_}) {
    if (*p) (*p)->Stop();
    p->reset();
  }
  dir_.reset();
}

}  // namespace kelola::harness
