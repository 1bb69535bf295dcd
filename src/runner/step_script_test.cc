#include "runner/step_script.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kelola {
namespace {

TEST(StepScriptTest, CommandsAreWrittenVerbatimAfterSetE) {
  auto text = StepScriptText({"echo \"$HOME\"", "make test; echo '$(rm -rf /)'"});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "set -e\necho \"$HOME\"\nmake test; echo '$(rm -rf /)'\n");
  EXPECT_EQ(StepScriptText({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(StepScriptText({std::string("a\0b", 3)}).status().code(), StatusCode::kInvalidArgument);
}

TEST(StepScriptTest, WritesAFileNamedAfterTheStep) {
  const std::string dir = ::testing::TempDir() + "/step_script_test";
  auto path = WriteStepScript(dir, "../unit tests/../../x", {"true"});
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(std::filesystem::path(*path).parent_path(), std::filesystem::path(dir));
  EXPECT_EQ(std::filesystem::path(*path).filename().string().find('/'), std::string::npos);
  std::ifstream in(*path);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "set -e\ntrue\n");
  auto second = WriteStepScript(dir, "../unit tests/../../x", {"true"});
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*second, *path);
  std::filesystem::remove_all(dir);
}

TEST(StepScriptTest, WorkingDirMustStayInsideTheWorkspace) {
  EXPECT_TRUE(ValidateWorkingDir("").ok());
  EXPECT_TRUE(ValidateWorkingDir("app/sub").ok());
  EXPECT_EQ(ValidateWorkingDir("/etc").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateWorkingDir("app/../../x").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kelola
