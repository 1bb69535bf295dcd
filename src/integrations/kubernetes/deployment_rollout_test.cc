// Rendering a manifest: the image placeholder, and bad input refused with a
// message that says what is wrong before anything reaches the API server.
#include "integrations/kubernetes/deployment_rollout.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

constexpr const char* kManifest = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: {{image}}
      - name: sidecar
        image: "{{image}}"
)";

TEST(RenderDeploymentManifestTest, PutsTheImageInEveryPlaceholder) {
  DeploymentRolloutOptions o;
  o.manifest = kManifest;
  o.image = "registry.local:5000/web@sha256:abc";
  o.namespace_name = "shop";
  DeploymentRef ref;
  auto out = RenderDeploymentManifest(o, &ref);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->find("{{image}}"), std::string::npos);
  EXPECT_NE(out->find("image: registry.local:5000/web@sha256:abc\n"), std::string::npos);
  EXPECT_NE(out->find("image: \"registry.local:5000/web@sha256:abc\""), std::string::npos);
  EXPECT_EQ(ref.name, "web");
  EXPECT_EQ(ref.namespace_name, "shop");
  EXPECT_EQ(ref.Path(), "/apis/apps/v1/namespaces/shop/deployments/web");
}

TEST(RenderDeploymentManifestTest, RefusesBadInputWithAClearMessage) {
  struct Case {
    std::string manifest, image, ns, want;
  };
  const Case cases[] = {
      {kManifest, "web:1\n  evil: x", "", "is not an image reference"},
      {kManifest, "", "", "is not an image reference"},
      {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n", "web:1", "", "placeholder {{image}}"},
      {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nimage: {{image}}\n", "web:1", "", "kind Deployment"},
      {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: Bad_Name}\nx: {{image}}\n", "web:1", "",
       "not a DNS-1123 name"},
      {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: a}\nx: {{image}}\n", "web:1", "b",
       "differs from the target's namespace"},
      {"apiVersion: apps/v1\nkind: [Deployment\nx: {{image}}\n", "web:1", "", "manifest: line"},
  };
  for (const auto& c : cases) {
    DeploymentRolloutOptions o;
    o.manifest = c.manifest;
    o.image = c.image;
    o.namespace_name = c.ns;
    DeploymentRef ref;
    auto out = RenderDeploymentManifest(o, &ref);
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << c.want;
    EXPECT_NE(out.status().message().find(c.want), std::string::npos) << out.status().message();
  }
}

TEST(RenderDeploymentManifestTest, DefaultsTheNamespace) {
  DeploymentRolloutOptions o;
  o.manifest = kManifest;
  o.image = "web:2";
  DeploymentRef ref;
  ASSERT_TRUE(RenderDeploymentManifest(o, &ref).ok());
  EXPECT_EQ(ref.namespace_name, "default");
}

}  // namespace
}  // namespace kelola
