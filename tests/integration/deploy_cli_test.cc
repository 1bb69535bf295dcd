// `kelola deploy|releases|rollback` as a user runs them against the real
// server and a real OCI registry (Debian's docker-registry on loopback): a
// Target applied from YAML, bad input refused with the right exit code, an
// image missing from the registry failing its release with nothing touched,
// an image that exists resolved to its digest but a target with no matching
// host failing its release before anything changes, the history newest
// first. The strategies' own tests cover rollouts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "net/http_client.h"
#include "tests/harness/docker_registry.h"
#include "tests/harness/kelola_server.h"
#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

using harness::CommandResult;
using json = nlohmann::json;

constexpr const char* kTarget = R"(apiVersion: kelola.io/v1
kind: Target
metadata:
  name: web
spec:
  kind: dockerhosts
  dockerhosts:
    hostSelector: {role: web}
    containerPort: 8080
    batch: "50%"
)";

// Stores a tiny OCI image (a config blob, no layers) as `repo:tag` through
// the distribution API, as `docker push` would; returns its manifest digest.
Result<std::string> PushTinyImage(const std::string& base, const std::string& repo, const std::string& tag) {
  HttpClient http(HttpClientOptions{.max_retries = 0});
  const std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  const std::string config_digest = "sha256:" + Sha256Hex(config);
  ClientRequest start;
  start.method = "POST";
  start.url = base + "/v2/" + repo + "/blobs/uploads/";
  KELOLA_ASSIGN_OR_RETURN(ClientResponse started, http.Send(start));
  if (started.status != 202) return InternalError("blob upload start: HTTP " + std::to_string(started.status));
  std::string location = started.headers.count("Location") ? started.headers.at("Location") : "";
  if (location.empty() && started.headers.count("location")) location = started.headers.at("location");
  if (location.rfind("http", 0) != 0) location = base + location;
  ClientRequest put;
  put.method = "PUT";
  put.url = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + config_digest;
  put.headers["Content-Type"] = "application/octet-stream";
  put.body = config;
  KELOLA_ASSIGN_OR_RETURN(ClientResponse blob, http.Send(put));
  if (blob.status != 201) return InternalError("blob upload: HTTP " + std::to_string(blob.status) + " " + blob.body);
  const std::string manifest = json{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", config_digest}, {"size", config.size()}}},
      {"layers", json::array()}}.dump();
  ClientRequest m;
  m.method = "PUT";
  m.url = base + "/v2/" + repo + "/manifests/" + tag;
  m.headers["Content-Type"] = "application/vnd.oci.image.manifest.v1+json";
  m.body = manifest;
  KELOLA_ASSIGN_OR_RETURN(ClientResponse stored, http.Send(m));
  if (stored.status != 201) return InternalError("manifest: HTTP " + std::to_string(stored.status) + " " + stored.body);
  return "sha256:" + Sha256Hex(manifest);
}

class DeployCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(harness::TempDir::Create("kelola-deploy-it").value());
    auto registry = harness::DockerRegistry::Start();
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(*registry);
    auto server = harness::KelolaServer::Start({.data_dir = dir_->File("data"), .log_path = dir_->File("server.log")});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  CommandResult Cli(const std::vector<std::string>& args) {
    auto r = server_->Cli(args);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }

  std::unique_ptr<harness::TempDir> dir_;
  std::unique_ptr<harness::DockerRegistry> registry_;
  std::unique_ptr<harness::KelolaServer> server_;
};

TEST_F(DeployCliTest, DeployReleasesAndRollbackAgainstARealRegistry) {
  const std::string file = dir_->File("target.yaml");
  ASSERT_TRUE(harness::WriteFile(file, kTarget).ok());
  auto apply = Cli({"apply", "-f", file});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  const std::string reg = registry_->host_port();
  auto digest = PushTinyImage(registry_->url(), "web", "v1");
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();

  auto unknown = Cli({"deploy", "nope", reg + "/web:v1"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("target \"nope\" not found"), std::string::npos) << unknown.err;
  auto bad_image = Cli({"deploy", "web", "web v1!"});
  EXPECT_EQ(bad_image.exit_code, 2) << bad_image.err;
  EXPECT_NE(bad_image.err.find("image: "), std::string::npos) << bad_image.err;
  auto nothing_live = Cli({"rollback", "web"});
  EXPECT_EQ(nothing_live.exit_code, 1);
  EXPECT_NE(nothing_live.err.find("no live release"), std::string::npos) << nothing_live.err;

  auto missing = Cli({"deploy", "web", reg + "/web:nope", "--commit", "aaaa1111", "--wait"});
  if (missing.exit_code != 1 || missing.out.find("not found in registry") == std::string::npos) {
    ADD_FAILURE() << Cli({"events", "--subject", "Release/web-1", "-o", "json"}).out << [&] {
      auto f = harness::ReadFile(dir_->File("server.log"));
      return f.ok() ? *f : std::string();
    }();
  }
  EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
  EXPECT_NE(missing.out.find("release web-1 requested"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find("release web-1 Failed: image " + reg + "/web:nope not found in registry " + reg),
            std::string::npos)
      << missing.out;

  auto exists = Cli({"deploy", "web", reg + "/web:v1", "--wait"});
  EXPECT_EQ(exists.exit_code, 1) << exists.out << exists.err;
  EXPECT_NE(exists.out.find("release web-2 Failed: no host matches role=web"), std::string::npos) << exists.out;

  auto table = Cli({"releases", "web"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("NAME"), std::string::npos) << table.out;
  EXPECT_LT(table.out.find("web-2"), table.out.find("web-1")) << table.out;
  auto list = Cli({"releases", "web", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json items = json::parse(list.out)["items"];
  ASSERT_EQ(items.size(), 2u) << list.out;
  EXPECT_EQ(items[0]["metadata"]["name"], "web-2");
  EXPECT_EQ(items[0]["spec"]["imageDigest"], reg + "/web@" + *digest);
  EXPECT_EQ(items[0]["spec"]["trigger"]["kind"], "cli");
  EXPECT_EQ(items[1]["status"]["state"], "Failed");
  EXPECT_EQ(items[1]["spec"]["commit"], "aaaa1111");
  EXPECT_FALSE(items[1]["spec"].contains("imageDigest"));  // nothing resolved, nothing touched

  auto events = Cli({"events", "--type", "deploy.", "-o", "json"});
  EXPECT_NE(events.out.find("deploy.release.requested"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find("deploy.release.failed"), std::string::npos) << events.out;
  EXPECT_EQ(Cli({"releases", "nope"}).exit_code, 1);
}

}  // namespace
}  // namespace kelola
