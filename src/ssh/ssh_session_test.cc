// SshSession against real OpenSSH servers (tests/harness SshdFleet):
// connecting, host key verification and authentication.
#include "ssh/ssh_session.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "ssh/ssh_test_support.h"
#include "tests/harness/free_port.h"

namespace kelola {
namespace {

using ssh_test::OptionsFor;

// "SHA256:..." of an OpenSSH public key line, as ssh-keygen prints it.
std::string FingerprintOf(const harness::TempDir& dir, const std::string& public_key_line) {
  const std::string path = dir.File("fp.pub");
  EXPECT_TRUE(harness::WriteFile(path, public_key_line + "\n").ok());
  auto run = harness::RunCommandOk({"ssh-keygen", "-l", "-E", "sha256", "-f", path});
  EXPECT_TRUE(run.ok());
  // "256 SHA256:abc... comment (ED25519)"
  std::string out = run.ok() ? run->out : "";
  auto start = out.find("SHA256:");
  return start == std::string::npos ? "?" : out.substr(start, out.find(' ', start) - start);
}

TEST(SshSessionTest, ConnectsWithAKeyFileAndRunsACommand) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = SshSession::Connect(OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->target(), fleet.user() + "@127.0.0.1:" + std::to_string(fleet.hosts()[0].port));
  EXPECT_EQ((*session)->host_key_fingerprint().rfind("ssh-ed25519 SHA256:", 0), 0u);
  auto run = (*session)->Exec("echo hello; echo oops >&2; id -un");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 0);
  EXPECT_TRUE(run->ok());
  EXPECT_EQ(run->out, "hello\n" + fleet.user() + "\n");
  EXPECT_EQ(run->err, "oops\n");
  EXPECT_EQ(run->error_kind(), SshErrorKind::kNone);
}

TEST(SshSessionTest, HostDownIsUnreachable) {
  auto port = harness::FreePort();  // nothing listens there
  ASSERT_TRUE(port.ok());
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(harness::WriteFile((*dir)->File("known_hosts"), "").ok());
  SshOptions options;
  options.host = "127.0.0.1";
  options.port = *port;
  options.user = "nobody";
  options.credentials.private_key_path = (*dir)->File("none");
  options.known_hosts_path = (*dir)->File("known_hosts");
  auto session = SshSession::Connect(options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(SshErrorKindOf(session.status()), SshErrorKind::kUnreachable);
  EXPECT_NE(session.status().message().find("127.0.0.1:" + std::to_string(*port)), std::string::npos)
      << session.status().message();
}

TEST(SshSessionTest, ServerThatNeverAnswersTimesOutAsUnreachable) {
  // A listener nobody accepts on: the TCP handshake completes in the kernel
  // but no SSH banner ever comes.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  SshOptions options;
  options.host = "127.0.0.1";
  options.port = ntohs(address.sin_port);
  options.user = "nobody";
  options.credentials.private_key_path = (*dir)->File("none");
  options.known_hosts_path = (*dir)->File("known_hosts");
  options.connect_timeout = std::chrono::milliseconds(700);
  const MonoTime start = SystemClock().Monotonic();
  auto session = SshSession::Connect(options);
  const Duration took = SystemClock().Monotonic() - start;
  ::close(listener);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(SshErrorKindOf(session.status()), SshErrorKind::kUnreachable) << session.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(SshSessionTest, WrongUserKeyIsAnAuthError) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  SshOptions options = OptionsFor(fleet, 0);
  options.credentials.private_key_path = ssh_test::MakeKey(**dir, "stranger", "ed25519");
  auto session = SshSession::Connect(options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(SshErrorKindOf(session.status()), SshErrorKind::kAuth);
  EXPECT_NE(session.status().message().find(options.credentials.private_key_path), std::string::npos);
  EXPECT_NE(session.status().message().find("SHA256:"), std::string::npos) << session.status().message();
}

TEST(SshSessionTest, UnknownHostKeyIsRefusedNamingHostTypeAndFingerprint) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(harness::WriteFile((*dir)->File("known_hosts"), "").ok());
  SshOptions options = OptionsFor(fleet, 0);
  options.known_hosts_path = (*dir)->File("known_hosts");
  auto session = SshSession::Connect(options);
  ASSERT_FALSE(session.ok());
  const std::string& message = session.status().message();
  EXPECT_EQ(session.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(SshErrorKindOf(session.status()), SshErrorKind::kHostKey);
  EXPECT_NE(message.find("unknown"), std::string::npos) << message;
  EXPECT_NE(message.find("[127.0.0.1]:" + std::to_string(options.port)), std::string::npos) << message;
  EXPECT_NE(message.find("ssh-ed25519 " + FingerprintOf(**dir, fleet.hosts()[0].host_public_key)), std::string::npos)
      << message;
  // Strict refuses without writing anything.
  EXPECT_EQ(*harness::ReadFile(options.known_hosts_path), "");
}

TEST(SshSessionTest, MissingKnownHostsFileIsRefusedToo) {
  KELOLA_SSH_FLEET(fleet, 1);
  SshOptions options = OptionsFor(fleet, 0);
  options.known_hosts_path = fleet.known_hosts_path() + ".does-not-exist";
  auto session = SshSession::Connect(options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(SshErrorKindOf(session.status()), SshErrorKind::kHostKey) << session.status().ToString();
}

TEST(SshSessionTest, ChangedHostKeyIsRefusedLoudly) {
  KELOLA_SSH_FLEET(fleet, 2);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  // known_hosts claims host 0 has host 1's key: what a man in the middle looks like.
  const std::string wrong =
      "[127.0.0.1]:" + std::to_string(fleet.hosts()[0].port) + " " + fleet.hosts()[1].host_public_key + "\n";
  ASSERT_TRUE(harness::WriteFile((*dir)->File("known_hosts"), wrong).ok());
  SshOptions options = OptionsFor(fleet, 0);
  options.known_hosts_path = (*dir)->File("known_hosts");
  for (HostKeyPolicy policy : {HostKeyPolicy::kStrict, HostKeyPolicy::kAcceptNew}) {
    options.host_key_policy = policy;
    auto session = SshSession::Connect(options);
    ASSERT_FALSE(session.ok());
    const std::string& message = session.status().message();
    EXPECT_EQ(SshErrorKindOf(session.status()), SshErrorKind::kHostKey);
    EXPECT_NE(message.find("HOST KEY HAS CHANGED"), std::string::npos) << message;
    EXPECT_NE(message.find(FingerprintOf(**dir, fleet.hosts()[0].host_public_key)), std::string::npos) << message;
    EXPECT_NE(message.find(FingerprintOf(**dir, fleet.hosts()[1].host_public_key)), std::string::npos) << message;
    EXPECT_NE(message.find("man-in-the-middle"), std::string::npos);
    EXPECT_EQ(*harness::ReadFile(options.known_hosts_path), wrong);  // never "fixed" silently
  }
}

TEST(SshSessionTest, AcceptNewAppendsTheKeyAndThenStrictAccepts) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  SshOptions options = OptionsFor(fleet, 0);
  options.known_hosts_path = (*dir)->File("known_hosts");  // does not exist yet
  options.host_key_policy = HostKeyPolicy::kAcceptNew;
  auto first = SshSession::Connect(options);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto written = harness::ReadFile(options.known_hosts_path);
  ASSERT_TRUE(written.ok());
  EXPECT_NE(written->find(fleet.hosts()[0].host_public_key), std::string::npos) << *written;

  options.host_key_policy = HostKeyPolicy::kStrict;
  auto second = SshSession::Connect(options);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ((*second)->host_key_fingerprint(), (*first)->host_key_fingerprint());
}

TEST(SshSessionTest, PinnedHostKeyReplacesKnownHosts) {
  KELOLA_SSH_FLEET(fleet, 2);
  SshOptions options = OptionsFor(fleet, 0);
  options.known_hosts_path.clear();
  options.pinned_host_key = fleet.hosts()[0].host_public_key;
  auto good = SshSession::Connect(options);
  EXPECT_TRUE(good.ok()) << good.status().ToString();
  options.pinned_host_key = fleet.hosts()[1].host_public_key;
  auto bad = SshSession::Connect(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("HOST KEY HAS CHANGED"), std::string::npos);
  options.pinned_host_key = "ssh-ed25519";
  EXPECT_EQ(SshSession::Connect(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(SshSessionTest, RejectsIncompleteOptionsBeforeConnecting) {
  SshOptions options;
  options.host = "127.0.0.1";
  options.user = "x";
  options.known_hosts_path = "/dev/null";
  auto no_credentials = SshSession::Connect(options);
  EXPECT_EQ(no_credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_credentials.status().message().find("no credentials"), std::string::npos);
  options.credentials.use_agent = true;
  options.known_hosts_path.clear();
  EXPECT_NE(SshSession::Connect(options).status().message().find("known_hosts"), std::string::npos);
  options.known_hosts_path = "/dev/null";
  options.port = 70000;
  EXPECT_EQ(SshSession::Connect(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(SshSessionTest, EcdsaAndRsaKeysWithPassphrases) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  const std::string secret = "correct horse battery";
  for (const char* type : {"ecdsa", "rsa"}) {
    SCOPED_TRACE(type);
    const std::string key = ssh_test::MakeKey(**dir, std::string("key-") + type, type, secret);
    ssh_test::AuthorizeKey(fleet, key);
    SshOptions options = OptionsFor(fleet, 0);
    options.credentials.private_key_path = key;
    options.credentials.private_key_passphrase = secret;
    auto session = SshSession::Connect(options);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    EXPECT_EQ((*session)->Exec("echo ok")->out, "ok\n");

    options.credentials.private_key_passphrase = "wrong horse";
    auto wrong = SshSession::Connect(options);
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(SshErrorKindOf(wrong.status()), SshErrorKind::kAuth);
    EXPECT_EQ(wrong.status().message().find("wrong horse"), std::string::npos);  // secrets stay out
    options.credentials.private_key_passphrase.clear();
    EXPECT_EQ(SshErrorKindOf(SshSession::Connect(options).status()), SshErrorKind::kAuth);
  }
}

TEST(SshSessionTest, AuthenticatesThroughSshAgent) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto agent_binary = harness::FindExecutable("ssh-agent");
  if (!agent_binary) GTEST_SKIP() << "ssh-agent is not installed (Debian package openssh-client)";
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  const std::string socket_path = (*dir)->File("agent.sock");
  harness::SpawnOptions spawn;
  spawn.argv = {*agent_binary, "-D", "-a", socket_path};
  spawn.log_path = (*dir)->File("agent.log");
  auto agent = harness::ChildProcess::Spawn(spawn);
  ASSERT_TRUE(agent.ok());
  // Real time on purpose: waiting for a real agent to create its socket.
  for (int i = 0; i < 200 && ::access(socket_path.c_str(), F_OK) != 0; ++i) ::usleep(10000);

  SshOptions options = OptionsFor(fleet, 0);
  options.credentials.private_key_path.clear();
  options.credentials.use_agent = true;
  options.credentials.agent_socket = socket_path;
  auto empty_agent = SshSession::Connect(options);
  ASSERT_FALSE(empty_agent.ok());
  EXPECT_EQ(SshErrorKindOf(empty_agent.status()), SshErrorKind::kAuth);
  EXPECT_NE(empty_agent.status().message().find("ssh-agent at " + socket_path), std::string::npos);

  ASSERT_TRUE(harness::RunCommandOk({"env", "SSH_AUTH_SOCK=" + socket_path, "ssh-add", fleet.client_key_path()}).ok());
  auto session = SshSession::Connect(options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->Exec("echo via-agent")->out, "via-agent\n");
}

TEST(SshSessionTest, PasswordIsOfferedOnlyWhenConfigured) {
  KELOLA_SSH_FLEET(fleet, 1);  // the harness sshd refuses passwords
  SshOptions options = OptionsFor(fleet, 0);
  options.credentials.private_key_path.clear();
  options.credentials.password = "hunter2";
  auto session = SshSession::Connect(options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(SshErrorKindOf(session.status()), SshErrorKind::kAuth);
  EXPECT_NE(session.status().message().find("tried password"), std::string::npos) << session.status().message();
  EXPECT_EQ(session.status().message().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace kelola
