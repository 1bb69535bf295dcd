// Tests of the harness's own building blocks: no servers involved.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/harness/child_process.h"
#include "tests/harness/docker_engine.h"
#include "tests/harness/docker_logs.h"
#include "tests/harness/free_port.h"
#include "tests/harness/run_command.h"
#include "tests/harness/tar_writer.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {
namespace {

TEST(TempDirTest, CreatesPrivateDirectoryAndRemovesItWithContents) {
  std::string path;
  {
    auto dir = TempDir::Create("kelola-harness-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    path = (*dir)->path();
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_TRUE(WriteFile((*dir)->File("a.txt"), "hello", 0600).ok());
    std::filesystem::create_directories((*dir)->File("sub/deeper"));
    ASSERT_TRUE(WriteFile((*dir)->File("sub/deeper/b.txt"), "x").ok());
    EXPECT_EQ(*ReadFile((*dir)->File("a.txt")), "hello");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(TempDirTest, ReadFileNamesMissingPath) {
  auto missing = ReadFile("/nonexistent/kelola/file");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/kelola/file"), std::string::npos);
}

TEST(TempDirTest, TailOfFileKeepsLastLines) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(WriteFile((*dir)->File("log"), "1\n2\n3\n4\n").ok());
  EXPECT_EQ(TailOfFile((*dir)->File("log"), 2), "3\n4\n");
  EXPECT_EQ(TailOfFile((*dir)->File("log"), 10), "1\n2\n3\n4\n");
  EXPECT_EQ(TailOfFile((*dir)->File("missing")), "");
}

TEST(FreePortTest, ReturnsABindablePortNobodyListensOn) {
  auto port = FreePort();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  EXPECT_GT(*port, 0);
  EXPECT_LT(*port, 65536);
  EXPECT_FALSE(PortAcceptsConnections(*port));
}

TEST(RunCommandTest, CapturesOutputStreamsAndExitCode) {
  auto result = RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");
  EXPECT_EQ(result->exit_code, 3);
}

TEST(RunCommandTest, PassesArgumentsWithoutAShell) {
  auto result = RunCommand({"printf", "%s|", "a b", "$HOME", "'q'"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->out, "a b|$HOME|'q'|");
}

TEST(RunCommandTest, FeedsInput) {
  auto result = RunCommand({"cat"}, std::chrono::seconds(10), "piped\n");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->out, "piped\n");
}

TEST(RunCommandTest, KillsCommandsThatOutliveTheirTimeout) {
  auto result = RunCommand({"sleep", "30"}, std::chrono::milliseconds(200));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded);
}

TEST(RunCommandTest, MissingProgramIsNotFound) {
  auto result = RunCommand({"kelola-no-such-program"});
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  auto failed = RunCommandOk({"sh", "-c", "echo nope >&2; exit 1"});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("nope"), std::string::npos);
}

TEST(ChildProcessTest, LogsOutputAndStopsOnDestruction) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  pid_t pid = 0;
  {
    SpawnOptions options;
    options.argv = {"sh", "-c", "echo started $KELOLA_HARNESS_VAR; exec sleep 300"};
    options.env = {"KELOLA_HARNESS_VAR=yes"};
    options.log_path = (*dir)->File("child.log");
    auto child = ChildProcess::Spawn(options);
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    pid = (*child)->pid();
    EXPECT_TRUE((*child)->Running());
    // The log is written by the child; wait for it without a fixed sleep.
    for (int i = 0; i < 500 && TailOfFile(options.log_path).empty(); ++i) {
      usleep(10'000);
    }
    EXPECT_EQ(TailOfFile(options.log_path), "started yes\n");
  }
  // Reaped by the destructor: the pid no longer exists.
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST(ChildProcessTest, ReportsExitCode) {
  SpawnOptions options;
  options.argv = {"sh", "-c", "exit 7"};
  auto child = ChildProcess::Spawn(options);
  ASSERT_TRUE(child.ok());
  while ((*child)->Running()) usleep(1000);
  EXPECT_EQ((*child)->exit_code(), 7);
  EXPECT_EQ(ChildProcess::Spawn({{"kelola-no-such-program"}}).status().code(), StatusCode::kNotFound);
}

TEST(TarWriterTest, ArchiveExtractsWithTar) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  TarWriter writer;
  std::string big(1300, 'x');
  big[0] = 'b';
  ASSERT_TRUE(writer.AddFile("Dockerfile", "FROM scratch\n").ok());
  ASSERT_TRUE(writer.AddFile("tool", big, 0755).ok());
  ASSERT_TRUE(writer.AddFile("empty", "").ok());
  EXPECT_EQ(writer.AddFile(std::string(100, 'n'), "").code(), StatusCode::kInvalidArgument);
  std::string archive = writer.Finish();
  EXPECT_EQ(archive.size() % 512, 0u);
  ASSERT_TRUE(WriteFile((*dir)->File("context.tar"), archive).ok());
  std::filesystem::create_directory((*dir)->File("out"));
  auto extracted = RunCommandOk({"tar", "-xf", (*dir)->File("context.tar"), "-C", (*dir)->File("out")});
  ASSERT_TRUE(extracted.ok()) << extracted.status().ToString();
  EXPECT_EQ(*ReadFile((*dir)->File("out/Dockerfile")), "FROM scratch\n");
  EXPECT_EQ(*ReadFile((*dir)->File("out/tool")), big);
  EXPECT_EQ(*ReadFile((*dir)->File("out/empty")), "");
  struct stat st {};
  ASSERT_EQ(::stat((*dir)->File("out/tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

std::string Frame(char stream, const std::string& payload) {
  std::string frame = {stream, 0, 0, 0};
  uint32_t n = static_cast<uint32_t>(payload.size());
  frame += static_cast<char>(n >> 24);
  frame += static_cast<char>((n >> 16) & 0xff);
  frame += static_cast<char>((n >> 8) & 0xff);
  frame += static_cast<char>(n & 0xff);
  return frame + payload;
}

TEST(DemuxDockerLogsTest, SplitsStdoutAndStderr) {
  std::string big(70'000, 'z');
  auto output = DemuxDockerLogs(Frame(1, "hi\n") + Frame(2, "oops\n") + Frame(1, big));
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ(output->out, "hi\n" + big);
  EXPECT_EQ(output->err, "oops\n");
  EXPECT_TRUE(DemuxDockerLogs("").ok());
}

TEST(DemuxDockerLogsTest, RejectsTruncatedAndUnknownFrames) {
  std::string frame = Frame(1, "hello");
  EXPECT_EQ(DemuxDockerLogs(frame.substr(0, 5)).status().code(), StatusCode::kDataLoss);
  auto cut = DemuxDockerLogs(frame.substr(0, frame.size() - 1));
  EXPECT_EQ(cut.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(cut.status().message().find("announces 5 bytes, only 4 follow"), std::string::npos)
      << cut.status().message();
  EXPECT_EQ(DemuxDockerLogs(Frame(7, "x")).status().code(), StatusCode::kDataLoss);
}

TEST(DockerHelpersTest, NegotiatesLowerApiVersionNumerically) {
  EXPECT_EQ(LowerApiVersion("1.41", "1.43"), "1.41");
  EXPECT_EQ(LowerApiVersion("1.47", "1.41"), "1.41");
  EXPECT_EQ(LowerApiVersion("1.9", "1.12"), "1.9");
}

TEST(DockerHelpersTest, ProgressStreamErrorsAreFound) {
  EXPECT_TRUE(CheckProgressStream("{\"stream\":\"Step 1/2\"}\n{\"stream\":\"ok\"}\n", "build").ok());
  Status failed = CheckProgressStream(
      "{\"stream\":\"Step 1/2\"}\n"
      "{\"errorDetail\":{\"message\":\"COPY failed\"},\"error\":\"COPY failed\"}\n",
      "building x");
  EXPECT_EQ(failed.code(), StatusCode::kInternal);
  EXPECT_EQ(failed.message(), "building x: COPY failed");
  EXPECT_FALSE(CheckProgressStream("not json\n{\"error\":\"denied\"}", "push").ok());
}

}  // namespace
}  // namespace kelola::harness
