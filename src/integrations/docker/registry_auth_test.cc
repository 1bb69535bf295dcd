// Pushing with credentials to a real registry that demands them
// (docker-registry with htpasswd auth), and verifying the digest with the
// same credentials through the registry API.
#include <crypt.h>

#include <thread>

#include "integrations/docker/docker_image_builder.h"
#include "integrations/docker/docker_test_support.h"
#include "tests/harness/child_process.h"
#include "tests/harness/free_port.h"

namespace kelola::docker {
namespace {

// docker-registry with basic auth (bcrypt htpasswd) on a free port.
class AuthRegistry {
 public:
  static Result<std::unique_ptr<AuthRegistry>> Start(const std::string& dir, const std::string& user,
                                                     const std::string& password) {
    const char* salt = crypt_gensalt("$2b$", 4, nullptr, 0);
    if (salt == nullptr) return InternalError("crypt_gensalt failed");
    crypt_data data{};
    const char* hash = crypt_r(password.c_str(), salt, &data);
    if (hash == nullptr || hash[0] == '*') return InternalError("bcrypt is not available");
    std::ofstream(dir + "/htpasswd") << user << ":" << hash << "\n";
    KELOLA_ASSIGN_OR_RETURN(int port, harness::FreePort());
    std::ofstream(dir + "/registry.yml") << "version: 0.1\n"
                                         << "log: {level: info}\n"
                                         << "storage: {filesystem: {rootdirectory: " << dir << "/data}}\n"
                                         << "http: {addr: 127.0.0.1:" << port << "}\n"
                                         << "auth: {htpasswd: {realm: kelola-test, path: " << dir << "/htpasswd}}\n";
    harness::SpawnOptions options;
    options.argv = {"docker-registry", "serve", dir + "/registry.yml"};
    options.log_path = dir + "/registry.log";
    KELOLA_ASSIGN_OR_RETURN(auto process, harness::ChildProcess::Spawn(options));
    auto registry = std::unique_ptr<AuthRegistry>(new AuthRegistry(std::move(process), port));
    HttpClient http;
    ClientRequest probe;
    probe.url = "http://127.0.0.1:" + std::to_string(port) + "/v2/";
    for (int i = 0; i < 200 && registry->process_->Running(); ++i) {
      auto reply = http.Send(probe);
      if (reply.ok() && reply->status == 401) return registry;
      // Real time on purpose: waiting for a real server to come up.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return UnavailableError("docker-registry with auth did not come up; see " + options.log_path);
  }
  std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  AuthRegistry(std::unique_ptr<harness::ChildProcess> process, int port) : process_(std::move(process)), port_(port) {}
  std::unique_ptr<harness::ChildProcess> process_;
  int port_;
};

class RegistryAuthTest : public DockerEngineTest {};

TEST_F(RegistryAuthTest, PushesWithCredentialsAndVerifiesWithThem) {
  if (!harness::FindExecutable("docker-registry")) GTEST_SKIP() << "docker-registry is not installed";
  const std::string password = "r0b0t-pa55-w0rd";
  auto registry = AuthRegistry::Start(dir_->path(), "robot", password);
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  const std::string repository = (*registry)->host_port() + "/kelola/private";
  ASSERT_TRUE(docker_->Tag(kBusyboxImage, repository, "v1").ok());
  RegistryClient registry_client;
  DockerImageBuilder builder(*docker_, registry_client);
  StepCancel cancel;
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view l) { lines.emplace_back(l); };

  // Wrong password: refused, and no secret in the error.
  auto refused = builder.Push(repository, "v1", {"robot", "wrong-" + password, ""}, {}, on_line, cancel);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status().ToString();
  EXPECT_EQ(refused.status().message().find(password), std::string::npos);

  const RegistryCredentials credentials{"robot", password, (*registry)->host_port()};
  auto pushed = builder.Push(repository, "v1", credentials, {}, on_line, cancel);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  auto served = registry_client.ManifestDigest(repository + ":v1", credentials);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(*served, pushed->digest);
  auto tags = registry_client.ListTags(repository, credentials);
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(*tags, (std::vector<std::string>{"v1"}));
  // Without credentials the registry API refuses.
  EXPECT_EQ(registry_client.ManifestDigest(repository + ":v1", {}).status().code(), StatusCode::kPermissionDenied);
  for (const auto& l : lines) EXPECT_EQ(l.find(password), std::string::npos) << l;
  EXPECT_TRUE(docker_->RemoveImage(repository + ":v1").ok());
}

TEST(BearerChallengeTest, ParsesRealmServiceAndScope) {
  auto params = ParseBearerChallenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull")");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"realm", "https://auth.docker.io/token"}));
  EXPECT_EQ(params[1], (std::pair<std::string, std::string>{"service", "registry.docker.io"}));
  EXPECT_EQ(params[2], (std::pair<std::string, std::string>{"scope", "repository:library/debian:pull"}));
  EXPECT_TRUE(ParseBearerChallenge(R"(Basic realm="x")").empty());
  EXPECT_EQ(ParseBearerChallenge("bearer realm=https://r/t").size(), 1u);
}

}  // namespace
}  // namespace kelola::docker
