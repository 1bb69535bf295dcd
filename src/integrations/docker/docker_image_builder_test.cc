// DockerImageBuilder and DockerClient against the real engine and registry
// (tests/harness): build FROM scratch honouring .dockerignore, push, verify
// through the registry API; build and push failures.
#include "integrations/docker/docker_image_builder.h"

#include "integrations/docker/container_step_executor.h"
#include "integrations/docker/docker_test_support.h"
#include "tests/harness/free_port.h"

#include <condition_variable>
#include <thread>

namespace kelola::docker {
namespace {

namespace fs = std::filesystem;

class DockerImageBuilderTest : public DockerEngineTest {};

TEST_F(DockerImageBuilderTest, NegotiatesTheApiVersion) {
  EXPECT_EQ(docker_->api_version(), LowerApiVersion(docker_->api_version(), DockerClient::kMaxApiVersion));
  EXPECT_EQ(docker_->api_version(), engine_->api_version());
}

TEST_F(DockerImageBuilderTest, BuildsFromScratchHonouringDockerignorePushesAndVerifiesTheDigest) {
  auto registry = harness::DockerRegistry::Start();
  if (registry.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << registry.status().message();
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();

  const fs::path ctx = fs::path(dir_->path()) / "app";
  fs::create_directories(ctx);
  fs::copy_file("/bin/busybox", ctx / "busybox");
  WriteFile(ctx / "Dockerfile",
            "FROM scratch\n"
            "COPY busybox /bin/busybox\n"
            "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
            "ENV PATH=/bin\n"
            "ARG GREETING=none\n"
            "RUN echo \"$GREETING\" > /greeting\n"
            "COPY . /ctx/\n");
  WriteFile(ctx / ".dockerignore", "**/*.log\nsecrets\n!secrets/public.pem\n");
  WriteFile(ctx / "src/main.sh", "echo app\n");
  WriteFile(ctx / "src/debug.log", "ignored\n");
  WriteFile(ctx / "secrets/private.key", "ignored\n");
  WriteFile(ctx / "secrets/public.pem", "kept\n");

  RegistryClient registry_client;
  DockerImageBuilder builder(*docker_, registry_client);
  const std::string repository = (*registry)->host_port() + "/kelola/app";
  ImageBuildRequest request;
  request.context_dir = ctx.string();
  request.tags = {repository + ":v1", "kelola-test/app:local"};
  request.build_args = {{"GREETING", "hello from build args"}};
  request.labels = {{"kelola-test", "1"}, {"kelola.run", "r-build"}};
  std::vector<std::string> lines;
  StepCancel cancel;
  auto built = builder.Build(
      request, [&](std::string_view l) { lines.emplace_back(l); }, cancel);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->id.rfind("sha256:", 0), 0u) << built->id;
  // "Step 1/N : FROM scratch" (the engine adds a LABEL step for the labels).
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.rfind("Step 1/", 0) == 0 && l.find(" : FROM scratch") != std::string::npos;
  })) << testing::PrintToString(lines);

  // Labels and both tags are on the image.
  auto inspect = docker_->InspectImage("kelola-test/app:local");
  ASSERT_TRUE(inspect.ok()) << inspect.status().ToString();
  EXPECT_NE(inspect->find("\"kelola.run\":\"r-build\""), std::string::npos);
  EXPECT_NE(inspect->find(built->id), std::string::npos);

  // What the image holds: the ignored files are absent.
  ContainerStepExecutor steps(*docker_);
  StepSpec list;
  list.run_id = "r-build";
  list.name = "list";
  list.image = "kelola-test/app:local";
  list.workspace = dir_->path();
  list.commands = {"cd /ctx && find . -type f | sort", "cat /greeting"};
  StepLines listed;
  auto ran = steps.Run(list, listed.Fn(), cancel);
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_EQ(ran->exit_code, 0) << testing::PrintToString(listed.err);
  EXPECT_EQ(listed.out, (std::vector<std::string>{"./.dockerignore", "./Dockerfile", "./busybox",
                                                  "./secrets/public.pem", "./src/main.sh", "hello from build args"}));

  // Push, and the registry serves the tag under the digest we got.
  std::vector<std::string> push_lines;
  auto pushed = builder.Push(
      repository, "v1", RegistryCredentials{}, {}, [&](std::string_view l) { push_lines.emplace_back(l); }, cancel);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  EXPECT_EQ(pushed->digest.size(), 7u + 64u);
  EXPECT_EQ(pushed->PinnedReference(), repository + "@" + pushed->digest);
  EXPECT_FALSE(push_lines.empty());
  auto tags = registry_client.ListTags(repository, {});
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(*tags, (std::vector<std::string>{"v1"}));
  auto served = registry_client.ManifestDigest(repository + ":v1", {});
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(*served, pushed->digest);
  EXPECT_EQ(registry_client.ManifestDigest(repository + ":v2", {}).status().code(), StatusCode::kNotFound);

  EXPECT_TRUE(docker_->RemoveImage("kelola-test/app:local").ok());
  EXPECT_TRUE(docker_->RemoveImage(repository + ":v1").ok());
}

TEST_F(DockerImageBuilderTest, FailingRunSurfacesTheInstructionAndItsMessage) {
  const fs::path ctx = fs::path(dir_->path()) / "broken";
  WriteFile(ctx / "Dockerfile", std::string("FROM ") + kBusyboxImage +
                                    "\nRUN echo building\nRUN echo about to fail && exit 7\nRUN echo never\n");
  RegistryClient registry_client;
  DockerImageBuilder builder(*docker_, registry_client);
  ImageBuildRequest request;
  request.context_dir = ctx.string();
  request.tags = {"kelola-test/broken:1"};
  request.labels = {{"kelola-test", "1"}};
  std::vector<std::string> lines;
  StepCancel cancel;
  auto built = builder.Build(
      request, [&](std::string_view l) { lines.emplace_back(l); }, cancel);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(built.status().message().find("failed at Step 3/"), std::string::npos) << built.status().message();
  EXPECT_NE(built.status().message().find(" : RUN echo about to fail && exit 7: "), std::string::npos)
      << built.status().message();
  EXPECT_NE(built.status().message().find("returned a non-zero code: 7"), std::string::npos)
      << built.status().message();
  // The step's own output was streamed.
  EXPECT_NE(std::find(lines.begin(), lines.end(), "about to fail"), lines.end());
  EXPECT_EQ(docker_->InspectImage("kelola-test/broken:1").status().code(), StatusCode::kNotFound);
}

TEST_F(DockerImageBuilderTest, CancelStopsABuildThatPrintsNothing) {
  const fs::path ctx = fs::path(dir_->path()) / "slow";
  WriteFile(ctx / "Dockerfile", std::string("FROM ") + kBusyboxImage + "\nRUN echo sleeping && sleep 60\n");
  RegistryClient registry_client;
  DockerImageBuilder builder(*docker_, registry_client);
  ImageBuildRequest request;
  request.context_dir = ctx.string();
  request.tags = {"kelola-test/slow:1"};
  request.labels = {{"kelola-test", "1"}};
  StepCancel cancel;
  std::mutex mu;
  std::condition_variable cv;
  bool sleeping = false;
  std::thread canceller([&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return sleeping; });
    cancel.Cancel();
  });
  const auto started = std::chrono::steady_clock::now();
  auto built = builder.Build(
      request,
      [&](std::string_view line) {
        if (line == "sleeping") {
          std::lock_guard lock(mu);
          sleeping = true;
          cv.notify_all();
        }
      },
      cancel);
  canceller.join();
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), StatusCode::kCancelled) << built.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(docker_->InspectImage("kelola-test/slow:1").status().code(), StatusCode::kNotFound);
}

TEST_F(DockerImageBuilderTest, SecretsInBuildOutputAreMasked) {
  const fs::path ctx = fs::path(dir_->path()) / "secret";
  WriteFile(ctx / "Dockerfile", std::string("FROM ") + kBusyboxImage + "\nARG TOKEN\nRUN echo \"token=$TOKEN\"\n");
  RegistryClient registry_client;
  DockerImageBuilder builder(*docker_, registry_client);
  ImageBuildRequest request;
  request.context_dir = ctx.string();
  request.tags = {"kelola-test/secret:1"};
  request.build_args = {{"TOKEN", "tok-s3cr3t-value"}};
  request.secrets = {"tok-s3cr3t-value"};
  std::vector<std::string> lines;
  StepCancel cancel;
  auto built = builder.Build(
      request, [&](std::string_view l) { lines.emplace_back(l); }, cancel);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "token=********"), lines.end());
  for (const auto& l : lines) EXPECT_EQ(l.find("tok-s3cr3t-value"), std::string::npos) << l;
  EXPECT_TRUE(docker_->RemoveImage("kelola-test/secret:1").ok());
}

TEST_F(DockerImageBuilderTest, PushToARegistryThatIsNotThereIsAClearError) {
  auto port = harness::FreePort();
  ASSERT_TRUE(port.ok());
  const std::string repository = "127.0.0.1:" + std::to_string(*port) + "/kelola/nowhere";
  ASSERT_TRUE(docker_->Tag(kBusyboxImage, repository, "v1").ok());
  RegistryClient registry_client;
  DockerImageBuilder builder(*docker_, registry_client);
  StepCancel cancel;
  RegistryCredentials credentials{"robot", "pa55-w0rd-secret", ""};
  auto pushed = builder.Push(repository, "v1", credentials, {}, nullptr, cancel);
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.status().code(), StatusCode::kUnavailable) << pushed.status().ToString();
  EXPECT_NE(pushed.status().message().find("connection refused"), std::string::npos) << pushed.status().message();
  EXPECT_NE(pushed.status().message().find(repository), std::string::npos);
  EXPECT_EQ(pushed.status().message().find("pa55-w0rd-secret"), std::string::npos);
  EXPECT_TRUE(docker_->RemoveImage(repository + ":v1").ok());

  // An image that does not exist locally.
  auto missing = builder.Push("127.0.0.1:1/kelola/never-built", "v1", {}, {}, nullptr, cancel);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

TEST(RegistryAuthHeaderTest, Base64UrlOfTheCredentialsOrEmptyObject) {
  EXPECT_EQ(RegistryAuthHeader({}), "e30=");
  // {"password":"p>?","serveraddress":"r","username":"u"} has '+' and '/'
  // in standard base64 at some positions; the URL alphabet has none.
  const std::string h = RegistryAuthHeader({"u", "p>?>?>?", "r"});
  EXPECT_EQ(h.find_first_of("+/"), std::string::npos);
  EXPECT_EQ(h, "eyJwYXNzd29yZCI6InA-Pz4_Pj8iLCJzZXJ2ZXJhZGRyZXNzIjoiciIsInVzZXJuYW1lIjoidSJ9");
}

}  // namespace
}  // namespace kelola::docker
