// ContainerStepExecutor against the real Docker engine (tests/harness).
#include "integrations/docker/container_step_executor.h"

#include <condition_variable>
#include <thread>

#include "integrations/docker/docker_test_support.h"
#include "tests/harness/docker_registry.h"

namespace kelola::docker {
namespace {

namespace fs = std::filesystem;

class ContainerStepExecutorTest : public DockerEngineTest {
 protected:
  StepSpec Spec(const std::string& run_id, std::vector<std::string> commands) {
    StepSpec spec;
    spec.run_id = run_id;
    spec.name = "unit tests";
    spec.image = kBusyboxImage;
    spec.workspace = dir_->path();
    spec.commands = std::move(commands);
    spec.labels = {{harness::DockerEngine::kTestLabel, "1"}};
    return spec;
  }
  // The containers still labelled with this run.
  size_t Leftovers(const std::string& run_id) {
    auto ids = docker_->ListContainers(ContainerStepExecutor::kRunLabel, run_id);
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    return ids.ok() ? ids->size() : 999;
  }
  std::string RunId() {
    return std::string("t-") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
           std::to_string(::getpid());
  }
};

TEST_F(ContainerStepExecutorTest, StreamsEveryLineReturnsTheExitCodeAndRemovesTheContainer) {
  ContainerStepExecutor executor(*docker_);
  const std::string run = RunId();
  StepSpec spec = Spec(run, {"i=1", "while [ $i -le 200 ]; do echo \"line $i\"; i=$((i+1)); done", "echo to-stderr >&2",
                             "printf 'no newline at the end'", "exit 3"});
  StepLines lines;
  StepCancel cancel;
  auto outcome = executor.Run(spec, lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_FALSE(outcome->cancelled);
  auto tail = [&] {
    std::string t;
    for (size_t i = lines.out.size() > 3 ? lines.out.size() - 3 : 0; i < lines.out.size(); ++i) t += lines.out[i] + "|";
    return t + " stderr: " + testing::PrintToString(lines.err);
  };
  ASSERT_EQ(lines.out.size(), 201u) << tail();
  for (int i = 1; i <= 200; ++i) EXPECT_EQ(lines.out[i - 1], "line " + std::to_string(i));
  EXPECT_EQ(lines.out.back(), "no newline at the end");
  EXPECT_EQ(lines.err, (std::vector<std::string>{"to-stderr"}));
  EXPECT_EQ(Leftovers(run), 0u);
}

TEST_F(ContainerStepExecutorTest, WorkspaceIsMountedWithEnvAndWorkingDir) {
  ContainerStepExecutor executor(*docker_);
  const std::string run = RunId();
  fs::create_directories(fs::path(dir_->path()) / "sub");
  WriteFile(fs::path(dir_->path()) / "sub/input.txt", "from the host\n");
  StepSpec spec = Spec(run, {"pwd", "cat input.txt", "echo \"$GREETING\" > out.txt", "ls /kelola-steps | wc -l"});
  spec.working_dir = "sub";
  spec.env = {{"GREETING", "hi; $(reboot) `id`"}};
  StepLines lines;
  StepCancel cancel;
  auto outcome = executor.Run(spec, lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->exit_code, 0) << testing::PrintToString(lines.err);
  EXPECT_EQ(lines.out, (std::vector<std::string>{"/workspace/sub", "from the host", "1"}));
  std::ifstream written(fs::path(dir_->path()) / "sub/out.txt");
  std::string content;
  std::getline(written, content);
  EXPECT_EQ(content, "hi; $(reboot) `id`");  // env values are data, never code
  EXPECT_EQ(Leftovers(run), 0u);
}

TEST_F(ContainerStepExecutorTest, TimeoutKillsAndRemovesTheContainer) {
  ContainerStepExecutor executor(*docker_);
  const std::string run = RunId();
  StepSpec spec = Spec(run, {"echo started", "sleep 60", "echo never"});
  spec.timeout = std::chrono::seconds(1);
  StepLines lines;
  StepCancel cancel;
  auto outcome = executor.Run(spec, lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->timed_out);
  EXPECT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->exit_code, -1);
  EXPECT_LT(outcome->elapsed, std::chrono::seconds(30));
  EXPECT_EQ(lines.out, (std::vector<std::string>{"started"}));
  EXPECT_EQ(Leftovers(run), 0u);
}

TEST_F(ContainerStepExecutorTest, CancelKillsWhatRunsAndRemovesIt) {
  ContainerStepExecutor executor(*docker_);
  const std::string run = RunId();
  StepSpec spec = Spec(run, {"echo started", "sleep 60"});
  StepCancel cancel;
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  StepLineFn on_line = [&](StepStream, std::string_view line) {
    if (line == "started") {
      std::lock_guard lock(mu);
      started = true;
      cv.notify_all();
    }
  };
  std::thread canceller([&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return started; });
    cancel.Cancel();
  });
  auto outcome = executor.Run(spec, on_line, cancel);
  canceller.join();
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->cancelled);
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_LT(outcome->elapsed, std::chrono::seconds(30));
  EXPECT_EQ(Leftovers(run), 0u);

  StepCancel early;
  early.Cancel();
  auto never = executor.Run(Spec(run, {"sleep 60"}), nullptr, early);
  ASSERT_TRUE(never.ok());
  EXPECT_TRUE(never->cancelled);
  EXPECT_EQ(Leftovers(run), 0u);
}

TEST_F(ContainerStepExecutorTest, SecretsAreMaskedEvenWhenSplitAcrossWrites) {
  ContainerStepExecutor executor(*docker_);
  const std::string run = RunId();
  // The secret leaves the container in two separate writes, which the
  // engine frames separately.
  StepSpec spec = Spec(run, {"echo \"plain $TOKEN\"", "printf '%s' \"${TOKEN%????????}\"", "sleep 0.2",
                             "printf '%s\\n' \"${TOKEN#????????????}\"", "echo \"$TOKEN\" >&2"});
  spec.env = {{"TOKEN", "ghp_0123456789abcdef"}};
  spec.secrets = {"ghp_0123456789abcdef"};
  StepLines lines;
  StepCancel cancel;
  auto outcome = executor.Run(spec, lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(lines.out, (std::vector<std::string>{"plain ********", "********"}));
  EXPECT_EQ(lines.err, (std::vector<std::string>{"********"}));
}

TEST_F(ContainerStepExecutorTest, MissingImageIsPulledFromTheRegistry) {
  auto registry = harness::DockerRegistry::Start();
  if (registry.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << registry.status().message();
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  const std::string repository = (*registry)->host_port() + "/kelola/busybox";
  ASSERT_TRUE(docker_->Tag(kBusyboxImage, repository, "pulled").ok());
  auto digest = docker_->Push(repository, "pulled", {}, nullptr, nullptr);
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  ASSERT_TRUE(docker_->RemoveImage(repository + ":pulled").ok());
  ASSERT_EQ(docker_->InspectImage(repository + ":pulled").status().code(), StatusCode::kNotFound);

  ContainerStepExecutor executor(*docker_);
  const std::string run = RunId();
  StepSpec spec = Spec(run, {"echo pulled and ran"});
  spec.image = repository + ":pulled";
  StepLines lines;
  StepCancel cancel;
  auto outcome = executor.Run(spec, lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(lines.out, (std::vector<std::string>{"pulled and ran"}));
  EXPECT_TRUE(docker_->RemoveImage(repository + ":pulled").ok());

  // An image nobody has is a clear error, not a hang.
  spec.image = (*registry)->host_port() + "/kelola/never-pushed:1";
  auto missing = executor.Run(spec, lines.Fn(), cancel);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("never-pushed"), std::string::npos) << missing.status().ToString();
  EXPECT_EQ(Leftovers(run), 0u);
}

TEST_F(ContainerStepExecutorTest, RemoveRunContainersCleansUpByLabel) {
  ContainerParams params;
  params.image = kBusyboxImage;
  params.cmd = {"sleep", "60"};
  const std::string run = RunId();
  params.labels = {{ContainerStepExecutor::kRunLabel, run}, {harness::DockerEngine::kTestLabel, "1"}};
  auto a = docker_->CreateContainer(params);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = docker_->CreateContainer(params);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(docker_->StartContainer(*b).ok());
  EXPECT_EQ(Leftovers(run), 2u);
  ContainerStepExecutor executor(*docker_);
  auto removed = executor.RemoveRunContainers(run);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(Leftovers(run), 0u);
}

}  // namespace
}  // namespace kelola::docker
