// Shared setup for the tests that talk to the real Docker engine and
// registry started by tests/harness. Skips only when Docker is not
// installed at all; an installed engine that fails is a test failure.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "integrations/docker/docker_client.h"
#include "runner/step_executor.h"
#include "tests/harness/docker_engine.h"
#include "tests/harness/docker_registry.h"
#include "tests/harness/temp_dir.h"

namespace kelola::docker {

// The harness's FROM-scratch busybox image (built once, kept as a cache).
inline constexpr const char* kBusyboxImage = "kelola-test/busybox:harness";

class DockerEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = harness::DockerEngine::Ensure();
    if (engine.status().code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << engine.status().message();
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    Status busybox = engine_->BuildBusyboxImage(kBusyboxImage);
    if (busybox.code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << busybox.message();
    ASSERT_TRUE(busybox.ok()) << busybox.ToString();
    auto client = DockerClient::Connect();
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    docker_ = std::move(*client);
    auto dir = harness::TempDir::Create("kelola-docker-test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
  }

  static void WriteFile(const std::filesystem::path& path, const std::string& content) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  std::unique_ptr<harness::DockerEngine> engine_;
  std::unique_ptr<DockerClient> docker_;
  std::unique_ptr<harness::TempDir> dir_;
};

// Collects a step's output lines (from the executor's thread).
struct StepLines {
  std::mutex mu;
  std::vector<std::string> out, err;
  StepLineFn Fn() {
    return [this](StepStream s, std::string_view line) {
      std::lock_guard lock(mu);
      (s == StepStream::kStdout ? out : err).emplace_back(line);
    };
  }
};

}  // namespace kelola::docker
