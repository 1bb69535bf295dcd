#include "deploy/target.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

std::string Error(const std::string& spec_json) {
  auto s = DecodeTargetSpec("web", spec_json);
  return s.ok() ? "" : s.status().message();
}

TEST(TargetSpecTest, DecodesADockerHostsTargetAndRoundTrips) {
  auto t = DecodeTargetSpec("web", R"({"kind":"dockerhosts","service":"shop",
    "dockerhosts":{"hostSelector":{"role":"web","kelola.io/group":"web"},"containerPort":8080,"proxyPort":8000,
      "healthCheck":{"path":"/healthz","interval":"500ms","timeout":"1s","startTimeout":"30s","healthyThreshold":2},
      "env":{"MODE":"prod"},"secrets":[{"env":"DATABASE_URL","secret":"db-url"},{"env":"API_KEY","secret":"keys","key":"api"}],
      "batch":"34%","drain":"2s"}})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->name, "web");
  EXPECT_EQ(t->kind, TargetSpec::Kind::kDockerHosts);
  EXPECT_EQ(t->service, "shop");
  EXPECT_EQ(t->dockerhosts.host_selector.at("role"), "web");
  EXPECT_EQ(t->dockerhosts.container_port, 8080);
  EXPECT_EQ(t->dockerhosts.proxy_port, 8000);
  EXPECT_EQ(t->dockerhosts.health.path, "/healthz");
  EXPECT_EQ(t->dockerhosts.health.interval, std::chrono::milliseconds(500));
  EXPECT_EQ(t->dockerhosts.health.start_timeout, std::chrono::seconds(30));
  EXPECT_EQ(t->dockerhosts.health.healthy_threshold, 2);
  ASSERT_EQ(t->dockerhosts.secrets.size(), 2u);
  EXPECT_EQ(t->dockerhosts.secrets[1].key, "api");
  EXPECT_EQ(t->dockerhosts.batch, "34%");
  EXPECT_EQ(t->dockerhosts.drain, std::chrono::seconds(2));
  const std::string encoded = EncodeTargetSpec(*t);
  auto again = DecodeTargetSpec("web", encoded);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << " in " << encoded;
  EXPECT_EQ(EncodeTargetSpec(*again), encoded);
}

TEST(TargetSpecTest, DockerHostsDefaults) {
  auto t = DecodeTargetSpec("web", R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"role":"web"}}})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->dockerhosts.container_port, 80);
  EXPECT_EQ(t->dockerhosts.health.path, "/up");
  EXPECT_EQ(t->dockerhosts.batch, "1");
  EXPECT_EQ(t->dockerhosts.drain, std::chrono::seconds(5));
}

TEST(TargetSpecTest, DecodesAKubernetesTargetAndRoundTrips) {
  auto t = DecodeTargetSpec("api", R"({"kind":"kubernetes","kubernetes":{"apiServer":"https://127.0.0.1:6443",
    "caSecret":"kube-ca","tokenSecret":"kube-token","namespace":"shop",
    "deploymentManifest":"apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - image: {{image}}\n",
    "rolloutTimeout":"5m"}})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->kind, TargetSpec::Kind::kKubernetes);
  EXPECT_EQ(t->kubernetes.namespace_name, "shop");
  EXPECT_EQ(t->kubernetes.token_secret, "kube-token");
  EXPECT_EQ(t->kubernetes.rollout_timeout, std::chrono::minutes(5));
  const std::string encoded = EncodeTargetSpec(*t);
  auto again = DecodeTargetSpec("api", encoded);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(EncodeTargetSpec(*again), encoded);
}

TEST(TargetSpecTest, ErrorsNameTheField) {
  EXPECT_EQ(Error("[]"), "spec must be an object");
  EXPECT_EQ(Error("{"), "spec is not valid JSON");
  EXPECT_EQ(Error(R"({})"), "spec.kind: required, dockerhosts or kubernetes");
  EXPECT_EQ(Error(R"({"kind":"nomad"})"), "spec.kind: \"nomad\" is not dockerhosts or kubernetes");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","colour":1})"), "spec.colour: unknown field");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts"})"), "spec.dockerhosts: required with kind dockerhosts");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"}},"kubernetes":{}})"),
            "spec.kubernetes: not allowed with kind dockerhosts");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{}})"),
            "spec.dockerhosts.hostSelector: required (labels of the Hosts)");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{}}})"),
            "spec.dockerhosts.hostSelector must name at least one label (an empty one would match every Host)");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"batch":"150%"}})"),
            "spec.dockerhosts.batch: \"150%\" is over 100%");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"batch":"0"}})"),
            "spec.dockerhosts.batch: \"0\" must be at least 1");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"batch":"half"}})"),
            "spec.dockerhosts.batch: \"half\" is not a host count (\"2\") or a share (\"25%\")");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"containerPort":0}})"),
            "spec.dockerhosts.containerPort must be between 1 and 65535, got 0");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"healthCheck":{"path":"up"}}})"),
            "spec.dockerhosts.healthCheck.path: \"up\" must start with /");
  EXPECT_EQ(
      Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"healthCheck":{"interval":"soon"}}})")
          .rfind("spec.dockerhosts.healthCheck.interval: ", 0),
      0u);
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"env":{"1X":"v"}}})"),
            "spec.dockerhosts.env.1X: not an environment variable name");
  EXPECT_EQ(
      Error(
          R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"env":{"X":"v"},"secrets":[{"env":"X","secret":"s"}]}})"),
      "spec.dockerhosts.secrets[0].env: X is already set (env or another secret)");
  EXPECT_EQ(Error(R"({"kind":"dockerhosts","dockerhosts":{"hostSelector":{"a":"b"},"secrets":[{"env":"X"}]}})"),
            "spec.dockerhosts.secrets[0].secret: required, must not be empty");
}

TEST(TargetSpecTest, KubernetesErrorsNameTheField) {
  const std::string manifest = R"("deploymentManifest":"image: {{image}}")";
  EXPECT_EQ(Error(R"({"kind":"kubernetes","kubernetes":{"tokenSecret":"t",)" + manifest + "}}"),
            "spec.kubernetes.apiServer: required (or kubeconfigSecret)");
  EXPECT_EQ(Error(R"({"kind":"kubernetes","kubernetes":{"apiServer":"http://127.0.0.1:8080","tokenSecret":"t",)" +
                  manifest + "}}"),
            "spec.kubernetes.apiServer: \"http://127.0.0.1:8080\" must be an https:// URL");
  EXPECT_EQ(Error(R"({"kind":"kubernetes","kubernetes":{"apiServer":"https://k",)" + manifest + "}}"),
            "spec.kubernetes: credentials required: tokenSecret, clientCertSecret + clientKeySecret, or "
            "kubeconfigSecret");
  EXPECT_EQ(
      Error(R"({"kind":"kubernetes","kubernetes":{"apiServer":"https://k","clientCertSecret":"c",)" + manifest + "}}"),
      "spec.kubernetes: clientCertSecret and clientKeySecret go together");
  EXPECT_EQ(Error(R"({"kind":"kubernetes","kubernetes":{"apiServer":"https://k","tokenSecret":"t"}})"),
            "spec.kubernetes.deploymentManifest: required, must not be empty");
  EXPECT_EQ(
      Error(
          R"({"kind":"kubernetes","kubernetes":{"apiServer":"https://k","tokenSecret":"t","deploymentManifest":"image: web:v1"}})"),
      "spec.kubernetes.deploymentManifest: holds no {{image}} where the release's image goes");
  EXPECT_EQ(
      Error(R"({"kind":"kubernetes","kubernetes":{"apiServer":"https://k","tokenSecret":"t","namespace":"Shop",)" +
            manifest + "}}"),
      "spec.kubernetes.namespace: \"Shop\" is not a namespace name");
  EXPECT_EQ(Error(R"({"kind":"kubernetes","kubernetes":{"kubeconfigSecret":"kc",)" + manifest + "}}"), "");
}

TEST(TargetSpecTest, BatchSize) {
  EXPECT_EQ(BatchSize("1", 3), 1);
  EXPECT_EQ(BatchSize("2", 3), 2);
  EXPECT_EQ(BatchSize("5", 3), 3);
  EXPECT_EQ(BatchSize("34%", 3), 2);
  EXPECT_EQ(BatchSize("33%", 3), 1);
  EXPECT_EQ(BatchSize("100%", 7), 7);
  EXPECT_EQ(BatchSize("1%", 7), 1);
  EXPECT_EQ(BatchSize("50%", 0), 0);
  EXPECT_EQ(BatchSize("garbage", 4), 1);
}

TEST(TargetSpecTest, ValidateBatchNamesTheField) {
  EXPECT_TRUE(ValidateBatch("3").ok());
  EXPECT_TRUE(ValidateBatch("34%").ok());
  for (const char* bad : {"", "0", "-1", "abc", "0%", "150%", "%", "2x", "1.5"}) {
    Status s = ValidateBatch(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("spec.dockerhosts.batch"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace kelola
