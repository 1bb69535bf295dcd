// Real sudo over real sshd: the harness gives the login user a NOPASSWD
// sudoers entry inside each sshd's own mount namespace only (nothing
// changes in the machine's /etc), and the hosts get private directories.
#include <gtest/gtest.h>

#include "ssh/ssh_test_support.h"

namespace kelola {
namespace {

using ssh_test::OptionsFor;

#define KELOLA_SUDO_FLEET(fleet)                                           \
  harness::SshdFleetOptions fleet##_options;                               \
  fleet##_options.passwordless_sudo = true;                                \
  fleet##_options.private_dir = true;                                      \
  auto fleet##_result = harness::SshdFleet::Start(1, fleet##_options);     \
  if (fleet##_result.status().code() == StatusCode::kFailedPrecondition) { \
    GTEST_SKIP() << fleet##_result.status().message();                     \
  }                                                                        \
  ASSERT_TRUE(fleet##_result.ok()) << fleet##_result.status().ToString();  \
  harness::SshdFleet& fleet = **fleet##_result

TEST(SshSudoTest, ExecRunsAsRootOnlyWithSudo) {
  KELOLA_SUDO_FLEET(fleet);
  if (fleet.user() == "root") GTEST_SKIP() << "the login user is root: sudo would prove nothing";
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  auto plain = (*session)->Exec("id -un");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->out, fleet.user() + "\n");

  ExecOptions sudo;
  sudo.sudo = true;
  auto root = (*session)->Exec("id -un; echo \"$SUDO_USER\"", sudo);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_TRUE(root->ok()) << root->Describe() << ": " << root->err;
  EXPECT_EQ(root->out, "root\n" + fleet.user() + "\n");

  // Arguments stay data under sudo too.
  auto argv = (*session)->ExecArgv({"printf", "%s|", "a b", "$(id -u)", ";"}, sudo);
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(argv->out, "a b|$(id -u)|;|");
}

TEST(SshSudoTest, UploadUnderSudoIntoARootOnlyDirectory) {
  KELOLA_SUDO_FLEET(fleet);
  if (fleet.user() == "root") GTEST_SKIP() << "the login user is root: sudo would prove nothing";
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const std::string dir = fleet.private_dir() + "/etc-app";
  ExecOptions sudo;
  sudo.sudo = true;
  auto made = (*session)->ExecArgv({"install", "-d", "-m", "0700", "-o", "root", "--", dir}, sudo);
  ASSERT_TRUE(made.ok() && made->ok()) << (made.ok() ? made->err : made.status().ToString());

  UploadOptions options;
  options.remote_path = dir + "/app.conf";
  options.mode = 0600;
  options.owner = "root:root";
  auto denied = (*session)->UploadContent("port = 8080\n", options);
  EXPECT_FALSE(denied.ok()) << "the login user cannot write there without sudo";

  options.sudo = true;
  auto sent = (*session)->UploadContent("port = 8080\n", options);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  auto state = (*session)->InspectFile(options.remote_path, /*sudo=*/true);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_TRUE(state->exists);
  EXPECT_EQ(state->owner, "root");
  EXPECT_EQ(state->mode, 0600u);
  EXPECT_EQ(state->sha256, sent->sha256);
}

TEST(SshSudoTest, WithoutASudoersEntrySudoFailsClearly) {
  KELOLA_SSH_FLEET(fleet, 1);
  if (fleet.user() == "root") GTEST_SKIP() << "root needs no sudoers entry";
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ExecOptions sudo;
  sudo.sudo = true;
  auto run = (*session)->Exec("id -u", sudo);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  if (run->err.find("command not found") != std::string::npos || run->exit_code == 127) {
    GTEST_SKIP() << "sudo is not installed on this machine";
  }
  EXPECT_FALSE(run->ok());
  EXPECT_EQ(run->error_kind(), SshErrorKind::kNonZeroExit);
  EXPECT_NE(run->err.find("sudo"), std::string::npos) << run->err;  // sudo's own reason, passed on
  EXPECT_EQ(run->out, "");
}

}  // namespace
}  // namespace kelola
