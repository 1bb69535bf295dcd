#include "pipeline/run_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kelola {
namespace {

class RunLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kelola-runlog-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  RealClock clock_;
};

TEST_F(RunLogTest, AppendsNumberedLinesAndReadsThemFromAnOffset) {
  auto w = RunLogWriter::Open(dir_, "r1", clock_);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  (*w)->Append("test", "stdout", "first");
  (*w)->Append("test", "stderr", "second \"quoted\"\twith tab");
  auto all = ReadRunLog(dir_ + "/r1.log", 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->lines.size(), 2u);
  EXPECT_EQ(all->lines[0].n, 1);
  EXPECT_EQ(all->lines[1].n, 2);
  EXPECT_EQ(all->lines[1].stream, "stderr");
  EXPECT_EQ(all->lines[1].line, "second \"quoted\"\twith tab");
  (*w)->Append("image", "kelola", "third");
  auto more = ReadRunLog(dir_ + "/r1.log", all->next_offset);
  ASSERT_TRUE(more.ok());
  ASSERT_EQ(more->lines.size(), 1u);
  EXPECT_EQ(more->lines[0].step, "image");
  EXPECT_EQ(more->lines[0].n, 3);
  // A reopened writer continues the numbering.
  w->reset();
  auto again = RunLogWriter::Open(dir_, "r1", clock_);
  ASSERT_TRUE(again.ok());
  (*again)->Append("x", "stdout", "fourth");
  auto last = ReadRunLog(dir_ + "/r1.log", more->next_offset);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->lines.size(), 1u);
  EXPECT_EQ(last->lines[0].n, 4);
}

TEST_F(RunLogTest, PartialLastLineIsNotReadUntilComplete) {
  const std::string path = dir_ + "/r2.log";
  std::ofstream(path) << R"({"n":1,"time":0,"step":"s","stream":"stdout","line":"a"})"
                      << "\n"
                      << R"({"n":2,"time":0,"step":"s","str)";
  auto chunk = ReadRunLog(path, 0);
  ASSERT_TRUE(chunk.ok());
  ASSERT_EQ(chunk->lines.size(), 1u);
  auto rest = ReadRunLog(path, chunk->next_offset);
  ASSERT_TRUE(rest.ok());
  EXPECT_TRUE(rest->lines.empty());
  EXPECT_EQ(rest->next_offset, chunk->next_offset);
}

TEST_F(RunLogTest, MissingFileIsEmptyAndBadIdsAreRefused) {
  auto chunk = ReadRunLog(dir_ + "/none.log", 0);
  ASSERT_TRUE(chunk.ok());
  EXPECT_TRUE(chunk->lines.empty());
  EXPECT_FALSE(RunLogPath(dir_, "../etc/passwd").ok());
  EXPECT_FALSE(RunLogPath(dir_, "").ok());
  EXPECT_TRUE(RunLogPath(dir_, "r0123abc").ok());
}

}  // namespace
}  // namespace kelola
