// `kelola analyze eval-sessions`, the real binary: the figures of
// docs/analysis.md on the HDFS sessions, and bad input as exit code 2.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

const std::string kSessions = "/work/shared/data/loghub/hdfs-sessions/";

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b != nullptr ? b : "kelola";
}

TEST(AnalyzeSessionsCliTest, HdfsFiguresAsDocumented) {
  if (!std::filesystem::exists(kSessions + "normal.txt")) GTEST_SKIP() << "no HDFS sessions at " << kSessions;
  auto r = harness::RunCommand({Binary(), "analyze", "eval-sessions", "--normal", kSessions + "normal.txt",
                                "--abnormal", kSessions + "abnormal.txt", "--train-normal", kSessions + "normal.txt"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->exit_code, 0) << r->err;
  EXPECT_NE(r->out.find("sessions=8419\tflagged=8415\trecall=0.9995"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("sessions=1927\tflagged=0\tfpr=0.0000"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("implied_f1=0.9998"), std::string::npos) << r->out;
}

TEST(AnalyzeSessionsCliTest, SeparateTrainingFileAndBadInput) {
  auto dir = harness::TempDir::Create("analyze-cli");
  ASSERT_TRUE(dir.ok());
  const std::string train = (*dir)->File("train.txt"), normal = (*dir)->File("normal.txt"),
                    abnormal = (*dir)->File("abnormal.txt"), empty = (*dir)->File("empty.txt");
  // Every training session opens (1) and closes (3) once: c(1) = c(3) is learned.
  std::ofstream(train) << "1 2 3\n1 2 2 3\n\n1 2 2 2 3\n1 3\n1 2 3\n1 2 2 3\n";
  std::ofstream(normal) << "1 2 3\n3 2 1\n";
  std::ofstream(abnormal) << "1 2\n1 9 3\n1 2 3\n";
  std::ofstream(empty) << "\n\n";
  auto r = harness::RunCommand(
      {Binary(), "analyze", "eval-sessions", "--normal", normal, "--abnormal", abnormal, "--train-normal", train});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->exit_code, 0) << r->err;
  EXPECT_NE(r->out.find("train=6 (--train-normal trains, all of --normal held out)"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("sessions=3\tflagged=2"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("sessions=2\tflagged=0"), std::string::npos) << r->out;

  auto missing = harness::RunCommand(
      {Binary(), "analyze", "eval-sessions", "--normal", (*dir)->File("nope.txt"), "--abnormal", abnormal});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 2);
  EXPECT_NE(missing->err.find("nope.txt: cannot open"), std::string::npos) << missing->err;
  auto no_sessions =
      harness::RunCommand({Binary(), "analyze", "eval-sessions", "--normal", empty, "--abnormal", abnormal});
  ASSERT_TRUE(no_sessions.ok());
  EXPECT_EQ(no_sessions->exit_code, 2);
  EXPECT_NE(no_sessions->err.find("empty.txt: no sessions"), std::string::npos) << no_sessions->err;
  auto usage = harness::RunCommand({Binary(), "analyze", "eval-sessions", "--normal", normal});
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->exit_code, 2);
}

}  // namespace
}  // namespace kelola
