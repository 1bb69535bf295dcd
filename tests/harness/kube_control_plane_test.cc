// The control plane is real: a Deployment's pods are created by the
// deployment and replicaset controllers, bound by the scheduler and made
// Ready by kwok, and the Deployment reports them available.
#include "tests/harness/kube_control_plane.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "base/clock.h"

namespace kelola::harness {
namespace {

TEST(KubeControlPlaneTest, DeploymentOfTwoReplicasBecomesAvailable) {
  auto cp = KubeControlPlane::Start();
  if (cp.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << cp.status().message();
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();

  nlohmann::json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}, {"namespace", "default"}}},
      {"spec",
       {{"replicas", 2},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", {{{"name", "web"}, {"image", "registry.kelola.invalid/web:1"}}}}}}}}}}};
  auto created = (*cp)->Request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment.dump());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_EQ(created->status, 201) << created->body;

  int available = 0;
  Clock& clock = SystemClock();
  const MonoTime deadline = clock.Monotonic() + std::chrono::seconds(90);
  while (clock.Monotonic() < deadline) {
    auto got = (*cp)->Request("GET", "/apis/apps/v1/namespaces/default/deployments/web");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    auto json = nlohmann::json::parse(got->body);
    available = json["status"].value("availableReplicas", 0);
    if (available == 2) break;
    // Real time on purpose: real controllers are at work.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(available, 2) << "controller-manager log:\n"
                          << TailOfFile((*cp)->dir() + "/kube-controller-manager.log") << "\nkwok log:\n"
                          << TailOfFile((*cp)->dir() + "/kwok.log");

  auto pods = (*cp)->Request("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
  ASSERT_TRUE(pods.ok());
  auto list = nlohmann::json::parse(pods->body);
  ASSERT_EQ(list["items"].size(), 2u);
  for (const auto& pod : list["items"]) {
    EXPECT_EQ(pod["spec"].value("nodeName", ""), KubeControlPlane::kNodeName);
    EXPECT_EQ(pod["status"].value("phase", ""), "Running");
  }
}

}  // namespace
}  // namespace kelola::harness
