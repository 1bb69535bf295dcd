#include "integrations/kubernetes/kube_connection.h"

#include <gtest/gtest.h>

#include "base/crypto.h"

namespace kelola {
namespace {

constexpr const char* kTwoContexts = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: certs/ca.crt
- name: prod-cluster
  cluster:
    server: https://k8s.example.invalid
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
users:
- name: dev-user
  user:
    client-certificate: certs/admin.crt
    client-key: /abs/admin.key
- name: prod-user
  user:
    token: s3cr3t
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
)";

TEST(KubeconfigTest, ReadsTheCurrentContextAndResolvesRelativePaths) {
  auto c = ParseKubeconfig(kTwoContexts, "/home/u/.kube/config", "/home/u/.kube");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->ca_file, "/home/u/.kube/certs/ca.crt");
  EXPECT_EQ(c->client_cert_file, "/home/u/.kube/certs/admin.crt");
  EXPECT_EQ(c->client_key_file, "/abs/admin.key");
  EXPECT_EQ(c->default_namespace, "team-a");
  EXPECT_TRUE(c->token.empty());
}

TEST(KubeconfigTest, ANamedContextWithInlineCaAndToken) {
  auto c = ParseKubeconfig(kTwoContexts, "cfg", "/d", "prod");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://k8s.example.invalid");
  EXPECT_EQ(c->ca_pem, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(c->token, "s3cr3t");
  EXPECT_TRUE(c->ca_file.empty());
}

TEST(KubeconfigTest, ErrorsNameTheFileAndTheEntry) {
  auto missing = ParseKubeconfig(kTwoContexts, "cfg", "/d", "staging");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("kubeconfig cfg: no context named \"staging\""), std::string::npos)
      << missing.status().message();

  auto broken = ParseKubeconfig("clusters: [\n", "broken.yaml", "/d");
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(broken.status().message().find("kubeconfig broken.yaml: line"), std::string::npos);

  EXPECT_EQ(ParseKubeconfig("- a\n- b\n", "list", "/d").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseKubeconfig("", "empty", "/d").status().code(), StatusCode::kInvalidArgument);
}

TEST(KubeconfigTest, RefusesWhatKelolaWillNotDo) {
  const std::string insecure = R"(current-context: c
clusters: [{name: k, cluster: {server: "https://h", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)";
  auto c = ParseKubeconfig(insecure, "cfg", "/d");
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("insecure-skip-tls-verify"), std::string::npos);

  const std::string exec = R"(current-context: c
clusters: [{name: k, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {command: aws}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)";
  auto e = ParseKubeconfig(exec, "cfg", "/d");
  EXPECT_NE(e.status().message().find("user \"u\": exec is not supported"), std::string::npos) << e.status().message();

  const std::string plain_http = R"(current-context: c
clusters: [{name: k, cluster: {server: "http://h"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)";
  EXPECT_NE(ParseKubeconfig(plain_http, "cfg", "/d").status().message().find("not an https:// URL"), std::string::npos);
}

TEST(KubeconfigTest, ValidateNeedsOneWayToAuthenticate) {
  KubeConnection c;
  c.server = "https://127.0.0.1:1";
  EXPECT_EQ(ValidateKubeConnection(c).code(), StatusCode::kInvalidArgument);
  c.client_cert_file = "/c.crt";
  EXPECT_EQ(ValidateKubeConnection(c).code(), StatusCode::kInvalidArgument);  // no key
  c.client_key_file = "/c.key";
  EXPECT_TRUE(ValidateKubeConnection(c).ok());
  KubeConnection t;
  t.server = "https://h";
  t.token = "x";
  EXPECT_TRUE(ValidateKubeConnection(t).ok());
}

}  // namespace
}  // namespace kelola
