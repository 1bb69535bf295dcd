// Real sudo over real sshd: the harness gives the login user a NOPASSWD
// sudoers entry inside each sshd's own mount namespace only (nothing
// changes in the machine's /etc), and the hosts get private directories.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "ssh/runbook.h"
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

// A .deb the test builds, so that a real apt-get install runs without a network.
std::string BuildDeb(harness::TempDir& dir, const std::string& package, const std::string& version) {
  std::string root = dir.File(package + "-" + version);
  std::filesystem::create_directories(root + "/DEBIAN");
  std::filesystem::create_directories(root + "/usr/share/doc/" + package);
  EXPECT_TRUE(harness::WriteFile(root + "/DEBIAN/control",
                                 "Package: " + package + "\nVersion: " + version +
                                     "\nArchitecture: all\nMaintainer: kelola tests <dev@kelola.invalid>\n"
                                     "Description: installed and removed by kelola's runbook test\n")
                  .ok());
  EXPECT_TRUE(harness::WriteFile(root + "/usr/share/doc/" + package + "/version", version + "\n").ok());
  std::string deb = dir.File(package + "_" + version + "_all.deb");
  auto built = harness::RunCommandOk({"dpkg-deb", "--build", "--root-owner-group", root, deb});
  EXPECT_TRUE(built.ok()) << built.status().ToString();
  return deb;
}

std::string StepStates(const HostRunResult& r) {
  std::string out = r.error;
  for (const auto& s : r.steps) out += " [" + s.state + ": " + s.message + "]";
  return out;
}

// The runbook's package step with a .deb: a real apt-get install, upgrade
// and remove, each reported changed once and ok when run again.
TEST(SshSudoTest, PackageStepInstallsUpgradesAndRemovesADebThroughApt) {
  if (!harness::FindExecutable("apt-get") || !harness::FindExecutable("dpkg-deb")) GTEST_SKIP() << "no apt/dpkg here";
  KELOLA_SUDO_FLEET(fleet);
  auto local = harness::TempDir::Create("kelola-deb");
  ASSERT_TRUE(local.ok());
  ::chmod((*local)->path().c_str(), 0755);  // the login user reads the .deb
  const std::string package = "kelola-test-runbook-" + std::to_string(::getpid());
  struct Purge {  // whatever happens, the machine is left without it
    std::string package;
    ~Purge() { (void)harness::RunCommand({"dpkg", "--purge", package}); }
  } purge{package};
  std::string v1 = BuildDeb(**local, package, "1.0");
  std::string v2 = BuildDeb(**local, package, "1.1");
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  FleetHost host{.name = "h0", .address = "127.0.0.1", .port = fleet.hosts()[0].port, .user = fleet.user()};
  auto apply = [&](const std::string& body) {
    auto book = ParseRunbook("steps:\n  - package: " + body + "\n    sudo: true\n    timeout: 120s\n", "deb.yaml", "");
    EXPECT_TRUE(book.ok()) << book.status().ToString();
    HostRunResult r;
    if (book.ok()) ApplyRunbook(**session, host, *book, r);
    return r;
  };
  auto installed_version = [&] {
    auto q = harness::RunCommand({"dpkg-query", "-W", "-f=${Status} ${Version}", package});
    return q.ok() && q->exit_code == 0 ? q->out : std::string("not installed");
  };

  auto first = apply("{deb: " + v1 + "}");
  ASSERT_EQ(first.steps.size(), 1u) << StepStates(first);
  EXPECT_EQ(first.steps[0].state, "changed") << StepStates(first);
  EXPECT_EQ(first.steps[0].message, "installed " + package);
  EXPECT_EQ(installed_version(), "install ok installed 1.0");
  auto again = apply("{deb: " + v1 + "}");
  EXPECT_EQ(again.steps[0].state, "ok") << StepStates(again);

  auto upgrade = apply("{deb: " + v2 + "}");
  EXPECT_EQ(upgrade.steps[0].state, "changed") << StepStates(upgrade);
  EXPECT_EQ(installed_version(), "install ok installed 1.1");
  auto removed = apply("{deb: " + v2 + ", state: absent}");
  EXPECT_EQ(removed.steps[0].state, "changed") << StepStates(removed);
  EXPECT_EQ(removed.steps[0].message, "removed " + package);
  EXPECT_NE(installed_version().rfind("install ok installed", 0), 0u) << installed_version();
  EXPECT_EQ(apply("{deb: " + v2 + ", state: absent}").steps[0].state, "ok");

  ASSERT_TRUE(harness::WriteFile((*local)->File("not.deb"), "not a package\n").ok());
  auto bad = apply("{deb: " + (*local)->File("not.deb") + "}");
  EXPECT_EQ(bad.state, HostRunResult::State::kFailed);
  EXPECT_NE(bad.error.find("dpkg-deb cannot read " + (*local)->File("not.deb")), std::string::npos) << StepStates(bad);
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
