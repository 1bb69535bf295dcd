// Test-only helpers shared by the *_test.cc files of src/ssh: options for a
// host of an SshdFleet, extra client keys, remote-writable scratch dirs and
// a sudo stand-in for tests that need sudo to misbehave (ssh_sudo_test.cc uses the real one).
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "ssh/ssh_session.h"
#include "tests/harness/run_command.h"
#include "tests/harness/sshd_fleet.h"
#include "tests/harness/temp_dir.h"

namespace kelola::ssh_test {

// Starts a fleet or skips the test when sshd is not installed at all.
#define KELOLA_SSH_FLEET(fleet, n)                                                   \
  auto fleet##_result = ::kelola::harness::SshdFleet::Start(n);                      \
  if (fleet##_result.status().code() == ::kelola::StatusCode::kFailedPrecondition) { \
    GTEST_SKIP() << fleet##_result.status().message();                               \
  }                                                                                  \
  ASSERT_TRUE(fleet##_result.ok()) << fleet##_result.status().ToString();            \
  ::kelola::harness::SshdFleet& fleet = **fleet##_result

inline SshOptions OptionsFor(const harness::SshdFleet& fleet, size_t index) {
  SshOptions options;
  options.host = fleet.hosts().at(index).address;
  options.port = fleet.hosts().at(index).port;
  options.user = fleet.user();
  options.credentials.private_key_path = fleet.client_key_path();
  options.known_hosts_path = fleet.known_hosts_path();
  options.connect_timeout = std::chrono::seconds(10);
  return options;
}

// The fleet's sshd reads <dir of the client key>/authorized_keys
// (AuthorizedKeysFile in the harness config).
inline std::string AuthorizedKeysPath(const harness::SshdFleet& fleet) {
  const std::string key = fleet.client_key_path();
  return key.substr(0, key.rfind('/')) + "/authorized_keys";
}

// Makes a key pair with ssh-keygen in `dir`; returns the private key path.
inline std::string MakeKey(const harness::TempDir& dir, const std::string& name, const std::string& type,
                           const std::string& passphrase = "") {
  const std::string path = dir.File(name);
  std::vector<std::string> argv = {"ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", "kelola-test", "-f", path};
  if (type == "rsa") argv.insert(argv.end(), {"-b", "3072"});
  auto made = harness::RunCommandOk(argv);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  return path;
}

inline void AuthorizeKey(const harness::SshdFleet& fleet, const std::string& private_key_path) {
  auto pub = harness::ReadFile(private_key_path + ".pub");
  ASSERT_TRUE(pub.ok());
  auto current = harness::ReadFile(AuthorizedKeysPath(fleet));
  ASSERT_TRUE(current.ok());
  ASSERT_TRUE(harness::WriteFile(AuthorizedKeysPath(fleet), *current + *pub, 0644).ok());
}

// A scratch dir the fleet's login user can write to (the "remote" side).
inline std::unique_ptr<harness::TempDir> RemoteScratch(const harness::SshdFleet& fleet) {
  auto dir = harness::TempDir::Create("kelola-ssh-remote");
  EXPECT_TRUE(dir.ok());
  if (struct passwd* pw = ::getpwnam(fleet.user().c_str())) {
    EXPECT_EQ(::chown((*dir)->path().c_str(), pw->pw_uid, pw->pw_gid), 0);
  }
  ::chmod((*dir)->path().c_str(), 0755);
  return std::move(*dir);
}

// A stand-in for sudo that checks it was called as `sudo -n -- argv...`,
// runs `before` (a shell snippet, with the wrapped argv as "$@"), then
// execs argv. Returns its path; `dir` must be readable by the login user.
inline std::string FakeSudo(const harness::TempDir& dir, const std::string& before = "") {
  const std::string path = dir.File("fake-sudo");
  const std::string script =
      "#!/bin/sh\n"
      "[ \"$1\" = -n ] && [ \"$2\" = -- ] || { echo \"fake-sudo: bad usage: $*\" >&2; exit 99; }\n"
      "shift 2\n"
      "KELOLA_FAKE_SUDO=1; export KELOLA_FAKE_SUDO\n" +
      before + "\nexec \"$@\"\n";
  EXPECT_TRUE(harness::WriteFile(path, script, 0755).ok());
  ::chmod(dir.path().c_str(), 0755);
  return path;
}

}  // namespace kelola::ssh_test
