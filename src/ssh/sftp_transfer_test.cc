// SFTP uploads and downloads against real sshd.
#include <sys/stat.h>

#include <fstream>

#include "base/crypto.h"
#include "ssh/ssh_session.h"
#include "ssh/ssh_test_support.h"

namespace kelola {
namespace {

using ssh_test::OptionsFor;

std::string RandomContent(size_t size) {
  auto bytes = RandomBytes(size);
  EXPECT_TRUE(bytes.ok());
  return *bytes;
}

std::vector<std::string> ListDir(const std::string& path) {
  auto run = harness::RunCommandOk({"ls", "-A", path});
  std::vector<std::string> names;
  std::string current;
  for (char c : run.ok() ? run->out : "") {
    if (c == '\n') {
      names.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  return names;
}

TEST(SftpTransferTest, UploadsTenMegabytesVerifiedByChecksum) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto local = harness::TempDir::Create();
  ASSERT_TRUE(local.ok());
  auto remote = ssh_test::RemoteScratch(fleet);
  const std::string content = RandomContent(10u << 20);
  ASSERT_TRUE(harness::WriteFile((*local)->File("big.bin"), content).ok());
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  UploadOptions options;
  options.remote_path = remote->File("big.bin");
  options.mode = 0640;
  auto sent = (*session)->Upload((*local)->File("big.bin"), options);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->bytes, content.size());
  EXPECT_EQ(sent->sha256, Sha256Hex(content));
  // The file on the host is the same bytes, with the mode asked for, and
  // no temporary file is left beside it.
  EXPECT_EQ(*harness::ReadFile(options.remote_path), content);
  struct stat info {};
  ASSERT_EQ(::stat(options.remote_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0640u);
  EXPECT_EQ(ListDir(remote->path()), std::vector<std::string>{"big.bin"});

  auto state = (*session)->InspectFile(options.remote_path);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_TRUE(state->exists);
  EXPECT_EQ(state->mode, 0640u);
  EXPECT_EQ(state->owner, fleet.user());
  EXPECT_EQ(state->size, content.size());
  EXPECT_EQ(state->sha256, sent->sha256);
}

TEST(SftpTransferTest, UploadReplacesAnExistingFileAtomically) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto remote = ssh_test::RemoteScratch(fleet);
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  UploadOptions options;
  options.remote_path = remote->File("app.conf");
  ASSERT_TRUE((*session)->UploadContent("version 1\n", options).ok());
  auto second = (*session)->UploadContent("version 2\n", options);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*harness::ReadFile(options.remote_path), "version 2\n");
  EXPECT_EQ(ListDir(remote->path()), std::vector<std::string>{"app.conf"});
}

TEST(SftpTransferTest, UploadErrorsNameThePathAndLeaveNothingBehind) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto remote = ssh_test::RemoteScratch(fleet);
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok());
  UploadOptions options;
  options.remote_path = remote->File("no/such/dir/file");
  auto missing_dir = (*session)->UploadContent("x", options);
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing_dir.status().message().find(remote->File("no/such/dir/")), std::string::npos);

  options.remote_path = remote->path() + "/";
  EXPECT_EQ((*session)->UploadContent("x", options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*session)->Upload("/nonexistent/local/file", options).status().code(), StatusCode::kNotFound);

  if (fleet.user() != "root") {
    options.remote_path = "/root/kelola-should-not-write";
    auto denied = (*session)->UploadContent("x", options);
    ASSERT_FALSE(denied.ok());
    EXPECT_NE(denied.status().message().find("permission denied"), std::string::npos) << denied.status().ToString();
    EXPECT_NE(SshErrorKindOf(denied.status()), SshErrorKind::kHostKey);
  }
  EXPECT_TRUE(ListDir(remote->path()).empty());
}

TEST(SftpTransferTest, ChecksumMismatchIsDataLossAndTheTargetIsUntouched) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto remote = ssh_test::RemoteScratch(fleet);
  auto tools = ssh_test::RemoteScratch(fleet);
  SshOptions ssh = OptionsFor(fleet, 0);
  // A "sudo" that corrupts the staged file ($5 of the wrapped argv) before
  // the finishing script checks it: the fault the checksum exists for.
  ssh.sudo_argv = {ssh_test::FakeSudo(*tools, "printf corrupt >> \"$5\""), "-n", "--"};
  auto session = SshSession::Connect(ssh);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  UploadOptions options;
  options.remote_path = remote->File("target");
  options.sudo = true;
  ASSERT_TRUE(harness::WriteFile(options.remote_path, "old\n").ok());
  auto corrupted = (*session)->UploadContent("new content\n", options);
  ASSERT_FALSE(corrupted.ok());
  EXPECT_EQ(corrupted.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(corrupted.status().message().find("checksum mismatch"), std::string::npos) << corrupted.status().message();
  EXPECT_EQ(*harness::ReadFile(options.remote_path), "old\n");
  EXPECT_EQ(ListDir(remote->path()), std::vector<std::string>{"target"});
}

TEST(SftpTransferTest, SudoUploadStagesAndFinishesWithPrivileges) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto remote = ssh_test::RemoteScratch(fleet);
  auto tools = ssh_test::RemoteScratch(fleet);
  SshOptions ssh = OptionsFor(fleet, 0);
  ssh.sudo_argv = {ssh_test::FakeSudo(*tools), "-n", "--"};
  auto session = SshSession::Connect(ssh);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  UploadOptions options;
  options.remote_path = remote->File("sudo.conf");
  options.sudo = true;
  options.mode = 0600;
  options.owner = fleet.user();
  auto sent = (*session)->UploadContent("via sudo\n", options);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(*harness::ReadFile(options.remote_path), "via sudo\n");
  auto state = (*session)->InspectFile(options.remote_path, /*sudo=*/true);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->mode, 0600u);
  EXPECT_EQ(state->owner, fleet.user());
  EXPECT_EQ(state->sha256, Sha256Hex("via sudo\n"));
}

TEST(SftpTransferTest, DownloadsVerifiedByChecksum) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto local = harness::TempDir::Create();
  ASSERT_TRUE(local.ok());
  auto remote = ssh_test::RemoteScratch(fleet);
  const std::string content = RandomContent(10u << 20);
  ASSERT_TRUE(harness::WriteFile(remote->File("data.bin"), content, 0644).ok());
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok());
  auto received = (*session)->Download(remote->File("data.bin"), (*local)->File("copy.bin"));
  ASSERT_TRUE(received.ok()) << received.status().ToString();
  EXPECT_EQ(received->bytes, content.size());
  EXPECT_EQ(received->sha256, Sha256Hex(content));
  EXPECT_EQ(*harness::ReadFile((*local)->File("copy.bin")), content);
  EXPECT_EQ(ListDir((*local)->path()), std::vector<std::string>{"copy.bin"});

  auto missing = (*session)->Download(remote->File("nope"), (*local)->File("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(remote->File("nope")), std::string::npos);
  EXPECT_EQ(ListDir((*local)->path()), std::vector<std::string>{"copy.bin"});
}

TEST(SftpTransferTest, InspectFileReportsAbsence) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto remote = ssh_test::RemoteScratch(fleet);
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok());
  auto state = (*session)->InspectFile(remote->File("absent file"));
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_FALSE(state->exists);
}

}  // namespace
}  // namespace kelola
