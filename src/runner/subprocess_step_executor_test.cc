// SubprocessStepExecutor against real /bin/sh processes.
#include "runner/subprocess_step_executor.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

namespace kelola {
namespace {

struct Lines {
  std::mutex mu;
  std::vector<std::string> out, err;
  StepLineFn Fn() {
    return [this](StepStream s, std::string_view line) {
      std::lock_guard lock(mu);
      (s == StepStream::kStdout ? out : err).emplace_back(line);
    };
  }
};

class SubprocessStepExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ =
        ::testing::TempDir() + "/subprocess_step_ws_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(workspace_);
    std::filesystem::create_directories(workspace_ + "/sub");
  }
  void TearDown() override { std::filesystem::remove_all(workspace_); }
  StepSpec Spec(std::vector<std::string> commands) {
    StepSpec spec;
    spec.run_id = "r1";
    spec.name = "unit";
    spec.workspace = workspace_;
    spec.commands = std::move(commands);
    return spec;
  }
  std::string workspace_;
  SubprocessStepExecutor executor_;
};

TEST_F(SubprocessStepExecutorTest, StreamsLinesAndReturnsTheExitCode) {
  StepSpec spec = Spec({"i=1", "while [ $i -le 5 ]; do echo line $i; i=$((i+1)); done", "echo oops >&2", "exit 3"});
  Lines lines;
  StepCancel cancel;
  auto outcome = executor_.Run(spec, lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_FALSE(outcome->ok());
  EXPECT_EQ(lines.out, (std::vector<std::string>{"line 1", "line 2", "line 3", "line 4", "line 5"}));
  EXPECT_EQ(lines.err, (std::vector<std::string>{"oops"}));
}

TEST_F(SubprocessStepExecutorTest, SetEStopsAtTheFirstFailingCommand) {
  Lines lines;
  StepCancel cancel;
  auto outcome = executor_.Run(Spec({"echo before", "false", "echo after"}), lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->exit_code, 1);
  EXPECT_EQ(lines.out, (std::vector<std::string>{"before"}));
}

TEST_F(SubprocessStepExecutorTest, SeesOnlyItsEnvAndRunsInTheWorkingDir) {
  ::setenv("KELOLA_SERVER_ONLY_SECRET", "leak", 1);
  StepSpec spec = Spec({"pwd", "echo \"[$GREETING][${KELOLA_SERVER_ONLY_SECRET:-unset}]\""});
  spec.env = {{"GREETING", "hello; $(id)"}};
  spec.working_dir = "sub";
  Lines lines;
  StepCancel cancel;
  auto outcome = executor_.Run(spec, lines.Fn(), cancel);
  ::unsetenv("KELOLA_SERVER_ONLY_SECRET");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->exit_code, 0);
  ASSERT_EQ(lines.out.size(), 2u);
  EXPECT_EQ(std::filesystem::canonical(lines.out[0]), std::filesystem::canonical(workspace_ + "/sub"));
  EXPECT_EQ(lines.out[1], "[hello; $(id)][unset]");
}

TEST_F(SubprocessStepExecutorTest, SecretsAreMaskedInEveryLine) {
  StepSpec spec = Spec({"echo \"token is $TOKEN\"", "echo \"$TOKEN\" >&2", "printf '%s' \"$TOKEN\" | cut -c1-4"});
  spec.env = {{"TOKEN", "ghp_abcdef123456"}};
  spec.secrets = {"ghp_abcdef123456"};
  Lines lines;
  StepCancel cancel;
  auto outcome = executor_.Run(spec, lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(lines.out, (std::vector<std::string>{"token is ********", "ghp_"}));
  EXPECT_EQ(lines.err, (std::vector<std::string>{"********"}));
}

TEST_F(SubprocessStepExecutorTest, TimeoutKillsTheStep) {
  StepSpec spec = Spec({"echo started", "sleep 30", "echo never"});
  spec.timeout = std::chrono::milliseconds(300);
  Lines lines;
  StepCancel cancel;
  auto outcome = executor_.Run(spec, lines.Fn(), cancel);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->timed_out);
  EXPECT_FALSE(outcome->ok());
  EXPECT_LT(outcome->elapsed, std::chrono::seconds(10));
  EXPECT_EQ(lines.out, (std::vector<std::string>{"started"}));
}

TEST_F(SubprocessStepExecutorTest, CancelKillsWhatRuns) {
  StepSpec spec = Spec({"echo started", "sleep 30"});
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
  auto outcome = executor_.Run(spec, on_line, cancel);
  canceller.join();
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->cancelled);
  EXPECT_LT(outcome->elapsed, std::chrono::seconds(10));
  // Cancelled before it ran: it does not run to completion.
  StepCancel early;
  early.Cancel();
  auto again = executor_.Run(Spec({"sleep 30"}), nullptr, early);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->cancelled);
}

TEST_F(SubprocessStepExecutorTest, BadSpecsAreErrors) {
  StepCancel cancel;
  StepSpec spec = Spec({"true"});
  spec.working_dir = "../..";
  EXPECT_EQ(executor_.Run(spec, nullptr, cancel).status().code(), StatusCode::kInvalidArgument);
  spec = Spec({});
  EXPECT_EQ(executor_.Run(spec, nullptr, cancel).status().code(), StatusCode::kInvalidArgument);
  spec = Spec({"true"});
  spec.workspace = workspace_ + "/missing";
  EXPECT_EQ(executor_.Run(spec, nullptr, cancel).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kelola
