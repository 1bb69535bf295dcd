// Deployment rollouts against a real control plane (tests/harness
// kube_control_plane.h): etcd, kube-apiserver with RBAC, the deployment and
// replicaset controllers, the scheduler and kwok as the kubelet of a fake
// node. Each test has a namespace of its own; the control plane is shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "integrations/kubernetes/deployment_rollout.h"
#include "integrations/kubernetes/kube_client.h"
#include "integrations/kubernetes/kube_connection.h"
#include "integrations/kubernetes/kubernetes_rollout_strategy.h"
#include "tests/harness/free_port.h"
#include "tests/harness/kube_control_plane.h"

namespace kelola {
namespace {

using harness::KubeControlPlane;
using Json = nlohmann::json;

std::string Manifest(const std::string& name, const std::string& extra_spec = "") {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\nspec:\n  replicas: 2\n" + extra_spec +
         "  selector:\n    matchLabels: {app: " + name + "}\n  template:\n    metadata:\n      labels: {app: " + name +
         "}\n    spec:\n      containers:\n      - name: app\n        image: \"{{image}}\"\n";
}

class KubernetesRolloutTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = KubeControlPlane::Start();
    if (!started.ok()) {
      skip_reason_ = new std::string(started.status().ToString());
      return;
    }
    cp_ = started->release();
  }
  static void TearDownTestSuite() {
    delete cp_;
    cp_ = nullptr;
    delete skip_reason_;
    skip_reason_ = nullptr;
  }
  void SetUp() override {
    if (cp_ == nullptr) {
      if (skip_reason_ != nullptr && skip_reason_->find("FAILED_PRECONDITION") != std::string::npos) {
        GTEST_SKIP() << *skip_reason_;
      }
      FAIL() << "control plane did not start: " << (skip_reason_ ? *skip_reason_ : "?");
    }
  }

  // A client that authenticates with `token` (admin when "").
  static std::unique_ptr<KubeClient> TokenClient(const std::string& token) {
    KubeConnection c;
    c.server = cp_->url();
    c.ca_file = cp_->ca_file();
    c.token = token.empty() ? cp_->token() : token;
    auto client = KubeClient::Create(c);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  // A namespace where only "kelola-deployer" may manage Deployments.
  static std::unique_ptr<KubeClient> DeployerIn(const std::string& ns) {
    EXPECT_TRUE(cp_->CreateNamespace(ns).ok());
    EXPECT_TRUE(cp_->GrantDeployer(ns, "kelola-deployer").ok());
    return TokenClient(cp_->deployer_token());
  }

  static Json Get(const std::string& path) {
    auto reply = cp_->Request("GET", path);
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? Json::parse(reply->body, nullptr, false) : Json();
  }

  // Images of the pods of `app` that are not being deleted.
  static std::vector<std::string> PodImages(const std::string& ns, const std::string& app) {
    std::vector<std::string> images;
    Json pods = Get("/api/v1/namespaces/" + ns + "/pods?labelSelector=app%3D" + app);
    for (const auto& pod : pods["items"]) {
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      images.push_back(pod["spec"]["containers"][0]["image"].get<std::string>());
    }
    return images;
  }

  static DeploymentRolloutOptions Options(const std::string& manifest, const std::string& image,
                                          const std::string& ns) {
    DeploymentRolloutOptions o;
    o.manifest = manifest;
    o.image = image;
    o.namespace_name = ns;
    o.timeout = std::chrono::seconds(180);
    return o;
  }

  static KubeControlPlane* cp_;
  static std::string* skip_reason_;
};

KubeControlPlane* KubernetesRolloutTest::cp_ = nullptr;
std::string* KubernetesRolloutTest::skip_reason_ = nullptr;

TEST_F(KubernetesRolloutTest, RollsOutANewImageToEveryReplicaWithANamespaceScopedToken) {
  auto client = DeployerIn("roll-ok");
  ASSERT_NE(client, nullptr);
  auto v1 = RunDeploymentRollout(*client, Options(Manifest("web"), "registry.kelola.invalid/web:1", "roll-ok"));
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  ASSERT_TRUE(v1->succeeded) << v1->message;

  std::mutex mu;
  std::vector<RolloutProgress> seen;
  auto options = Options(Manifest("web"), "registry.kelola.invalid/web:2", "roll-ok");
  options.on_progress = [&](const RolloutProgress& p) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(p);
  };
  auto v2 = RunDeploymentRollout(*client, options);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_TRUE(v2->succeeded) << v2->message;
  EXPECT_FALSE(v2->rolled_back);
  EXPECT_EQ(v2->message, "deployment \"web\" successfully rolled out");
  EXPECT_EQ(v2->revision, "2");

  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().desired, 2);
  EXPECT_EQ(seen.back().updated, 2);
  EXPECT_EQ(seen.back().available, 2);
  EXPECT_EQ(seen.back().old_remaining, 0);
  EXPECT_EQ(PodImages("roll-ok", "web"),
            (std::vector<std::string>{"registry.kelola.invalid/web:2", "registry.kelola.invalid/web:2"}));
}

TEST_F(KubernetesRolloutTest, ProgressDeadlineExceededRollsBackToThePreviousTemplate) {
  auto client = DeployerIn("roll-fail");
  ASSERT_NE(client, nullptr);
  const std::string manifest = Manifest("api", "  progressDeadlineSeconds: 3\n");
  auto v1 = RunDeploymentRollout(*client, Options(manifest, "registry.kelola.invalid/api:1", "roll-fail"));
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  ASSERT_TRUE(v1->succeeded) << v1->message;

  auto bad = RunDeploymentRollout(*client, Options(manifest, KubeControlPlane::kNeverReadyImage, "roll-fail"));
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  EXPECT_FALSE(bad->succeeded);
  EXPECT_TRUE(bad->rolled_back) << bad->message;
  EXPECT_NE(bad->message.find("exceeded its progress deadline"), std::string::npos) << bad->message;
  EXPECT_EQ(bad->revision, "3");  // the rollback is a new revision of the old template, as with kubectl

  Json deployment = Get("/apis/apps/v1/namespaces/roll-fail/deployments/api");
  EXPECT_EQ(deployment["spec"]["template"]["spec"]["containers"][0]["image"], "registry.kelola.invalid/api:1");
  EXPECT_FALSE(deployment["spec"]["template"]["metadata"]["labels"].contains("pod-template-hash"));
  EXPECT_EQ(PodImages("roll-fail", "api"),
            (std::vector<std::string>{"registry.kelola.invalid/api:1", "registry.kelola.invalid/api:1"}));
}

TEST_F(KubernetesRolloutTest, AConflictingWriteIsRetriedWithAFreshRead) {
  auto client = DeployerIn("roll-conflict");
  ASSERT_NE(client, nullptr);
  auto v1 = RunDeploymentRollout(*client, Options(Manifest("db"), "registry.kelola.invalid/db:1", "roll-conflict"));
  ASSERT_TRUE(v1.ok() && v1->succeeded) << v1.status().ToString();

  const std::string path = "/apis/apps/v1/namespaces/roll-conflict/deployments/db";
  int calls = 0;
  int writes = 0;
  auto stored = client->Update(
      path,
      [&](const std::string& current) -> Result<std::string> {
        if (++calls == 1) {
          // Someone else writes between our read and our write.
          auto other = cp_->Request("PATCH", path, R"({"metadata":{"annotations":{"other-writer":"was-here"}}})",
                                    "application/merge-patch+json");
          EXPECT_TRUE(other.ok() && other->status == 200);
        }
        Json object = Json::parse(current);
        object["metadata"]["annotations"]["kelola"] = "updated";
        return object.dump();
      },
      5, &writes);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  // Our forced conflict costs one more read and write; the deployment
  // controller's own status writes right after v1 may cost another.
  EXPECT_GE(calls, 2);
  EXPECT_LE(calls, 5);
  EXPECT_EQ(writes, calls);
  Json now = Get(path);
  EXPECT_EQ(now["metadata"]["annotations"]["other-writer"], "was-here");
  EXPECT_EQ(now["metadata"]["annotations"]["kelola"], "updated");
}

TEST_F(KubernetesRolloutTest, TheWatchResumesWhenTheApiServerRestartsMidRollout) {
  auto client = DeployerIn("roll-restart");
  ASSERT_NE(client, nullptr);
  // minReadySeconds keeps the rollout going long enough to restart the apiserver under it.
  const std::string manifest = Manifest("cache", "  minReadySeconds: 6\n");
  auto v1 = RunDeploymentRollout(*client, Options(manifest, "registry.kelola.invalid/cache:1", "roll-restart"));
  ASSERT_TRUE(v1.ok() && v1->succeeded) << v1.status().ToString();

  std::promise<void> started;
  std::atomic<bool> signalled{false};
  auto options = Options(manifest, "registry.kelola.invalid/cache:2", "roll-restart");
  options.on_progress = [&](const RolloutProgress&) {
    if (!signalled.exchange(true)) started.set_value();
  };
  auto rollout = std::async(std::launch::async, [&] { return RunDeploymentRollout(*client, options); });
  started.get_future().wait();
  cp_->StopApiServer();
  ASSERT_TRUE(cp_->StartApiServer().ok());

  auto outcome = rollout.get();
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->succeeded) << outcome->message;
  EXPECT_GE(outcome->watch_reconnects, 1);
  EXPECT_EQ(PodImages("roll-restart", "cache"),
            (std::vector<std::string>{"registry.kelola.invalid/cache:2", "registry.kelola.invalid/cache:2"}));
}

TEST_F(KubernetesRolloutTest, KubeconfigWithAClientCertificateAuthenticates) {
  auto connection = LoadKubeconfig(cp_->admin_kubeconfig());
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  EXPECT_TRUE(connection->token.empty());
  auto client = KubeClient::Create(*connection);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto ns = (*client)->Get("/api/v1/namespaces/kube-system");
  ASSERT_TRUE(ns.ok()) << ns.status().ToString();
  EXPECT_EQ(Json::parse(*ns)["metadata"]["name"], "kube-system");
}

TEST_F(KubernetesRolloutTest, AnUnreachableApiServerIsUnavailable) {
  auto port = harness::FreePort();
  ASSERT_TRUE(port.ok());
  KubeConnection c;
  c.server = "https://127.0.0.1:" + std::to_string(*port);
  c.ca_file = cp_->ca_file();
  c.token = cp_->token();
  auto client = KubeClient::Create(
      c, HttpClientOptions{
             .connect_timeout = std::chrono::seconds(2), .timeout = std::chrono::seconds(5), .max_retries = 0});
  ASSERT_TRUE(client.ok());
  auto outcome = RunDeploymentRollout(**client, Options(Manifest("x"), "x:1", "default"));
  EXPECT_EQ(outcome.status().code(), StatusCode::kUnavailable) << outcome.status().ToString();
}

TEST_F(KubernetesRolloutTest, AnInvalidManifestSurfacesTheApisMessage) {
  auto client = DeployerIn("roll-invalid");
  ASSERT_NE(client, nullptr);
  // The selector does not match the template's labels: the API refuses it (422).
  std::string manifest = Manifest("bad");
  manifest.replace(manifest.find("matchLabels: {app: bad}"), 23, "matchLabels: {app: other}");
  auto outcome = RunDeploymentRollout(*client, Options(manifest, "registry.kelola.invalid/bad:1", "roll-invalid"));
  EXPECT_EQ(outcome.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outcome.status().message().find("422"), std::string::npos) << outcome.status().message();
  EXPECT_NE(outcome.status().message().find("`selector` does not match template `labels`"), std::string::npos)
      << outcome.status().message();
}

TEST_F(KubernetesRolloutTest, ATokenWithoutRightsSurfacesTheApis403) {
  ASSERT_TRUE(cp_->CreateNamespace("roll-forbidden").ok());
  auto client = TokenClient(cp_->nobody_token());
  ASSERT_NE(client, nullptr);
  auto outcome =
      RunDeploymentRollout(*client, Options(Manifest("web"), "registry.kelola.invalid/web:1", "roll-forbidden"));
  EXPECT_EQ(outcome.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(outcome.status().message().find("403 Forbidden"), std::string::npos) << outcome.status().message();
  EXPECT_NE(outcome.status().message().find("\"kelola-nobody\" cannot patch resource \"deployments\""),
            std::string::npos)
      << outcome.status().message();
}

}  // namespace
}  // namespace kelola

namespace kelola {
namespace {

// The RolloutStrategy the release controller calls, with the target's
// credentials in Secrets.
class KubernetesStrategyTest : public KubernetesRolloutTest {};

TEST_F(KubernetesStrategyTest, RollsOutFailsOnTheDeadlineAndRollsBackThroughTheContract) {
  ASSERT_TRUE(cp_->CreateNamespace("strategy").ok());
  ASSERT_TRUE(cp_->GrantDeployer("strategy", "kelola-deployer").ok());
  auto ca = harness::ReadFile(cp_->ca_file());
  ASSERT_TRUE(ca.ok());
  const std::map<std::string, std::string> secrets = {{"k8s-ca", *ca}, {"k8s-token", cp_->deployer_token() + "\n"}};

  TargetSpec target;
  target.name = "shop";
  target.kind = TargetSpec::Kind::kKubernetes;
  target.kubernetes.api_server = cp_->url();
  target.kubernetes.ca_secret = "k8s-ca";
  target.kubernetes.token_secret = "k8s-token";
  target.kubernetes.namespace_name = "strategy";
  target.kubernetes.deployment_manifest = Manifest("shop", "  progressDeadlineSeconds: 3\n");
  target.kubernetes.service_manifest =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: shop\nspec:\n  selector: {app: shop}\n"
      "  ports:\n  - port: 80\n";
  target.kubernetes.rollout_timeout = std::chrono::seconds(180);

  std::vector<std::string> events;
  std::vector<ReleaseProgress> progress;
  RolloutContext ctx;
  ctx.target = &target;
  ctx.secret = [&](const std::string& name, const std::string&) -> Result<std::string> {
    auto it = secrets.find(name);
    if (it == secrets.end()) return NotFoundError("no secret " + name);
    return it->second;
  };
  ctx.on_event = [&](std::string_view kind, std::string_view unit, std::string_view) {
    events.push_back(std::string(kind) + " " + std::string(unit));
  };
  ctx.on_progress = [&](const ReleaseProgress& p) { progress.push_back(p); };

  KubernetesRolloutStrategy strategy;
  ReleaseSpec v1;
  v1.name = "shop-1";
  v1.image_digest = "registry.kelola.invalid/shop@sha256:1111";
  ctx.release = &v1;
  RolloutOutcome first;
  Status ok = strategy.Rollout(ctx, first);
  ASSERT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ(first.touched, std::vector<std::string>{"strategy/shop"});
  EXPECT_NE(std::find(events.begin(), events.end(), "deploy.k8s.applied strategy/shop"), events.end());
  EXPECT_EQ(events.back(), "deploy.k8s.done strategy/shop");
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().total, 2);
  EXPECT_EQ(progress.back().healthy, 2);
  EXPECT_EQ(Get("/api/v1/namespaces/strategy/services/shop")["spec"]["ports"][0]["port"], 80);

  ReleaseSpec v2;
  v2.name = "shop-2";
  v2.image_digest = KubeControlPlane::kNeverReadyImage;
  ctx.release = &v2;
  RolloutOutcome second;
  Status failed = strategy.Rollout(ctx, second);
  EXPECT_EQ(failed.code(), StatusCode::kDeadlineExceeded) << failed.ToString();
  EXPECT_NE(failed.message().find("exceeded its progress deadline"), std::string::npos);
  EXPECT_EQ(events.back(), "deploy.k8s.failed strategy/shop");

  EXPECT_EQ(strategy.RollBack(ctx, second).code(), StatusCode::kFailedPrecondition);  // no previous release
  ctx.previous = &v1;
  Status back = strategy.RollBack(ctx, second);
  ASSERT_TRUE(back.ok()) << back.ToString();
  EXPECT_EQ(PodImages("strategy", "shop"), (std::vector<std::string>{"registry.kelola.invalid/shop@sha256:1111",
                                                                     "registry.kelola.invalid/shop@sha256:1111"}));
}

}  // namespace
}  // namespace kelola
