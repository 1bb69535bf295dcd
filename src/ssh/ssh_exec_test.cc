// SshSession::Exec against real sshd: exit codes, timeouts, streaming,
// quoting through a real remote shell, sudo, connection reuse, ProxyJump.
#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>

#include "ssh/ssh_session.h"
#include "ssh/ssh_test_support.h"

namespace kelola {
namespace {

using ssh_test::OptionsFor;

std::unique_ptr<SshSession> MustConnect(const SshOptions& options) {
  auto session = SshSession::Connect(options);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  return session.ok() ? std::move(*session) : nullptr;
}

TEST(SshExecTest, NonZeroExitIsAValueNotAnError) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = MustConnect(OptionsFor(fleet, 0));
  ASSERT_NE(session, nullptr);
  auto run = session->Exec("echo partial; exit 3");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 3);
  EXPECT_FALSE(run->ok());
  EXPECT_EQ(run->out, "partial\n");
  EXPECT_EQ(run->error_kind(), SshErrorKind::kNonZeroExit);
  EXPECT_EQ(run->Describe(), "exit 3");
}

TEST(SshExecTest, CommandTimeoutStopsTheCommandAndKeepsTheSession) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = MustConnect(OptionsFor(fleet, 0));
  ASSERT_NE(session, nullptr);
  ExecOptions options;
  options.timeout = std::chrono::milliseconds(800);
  auto run = session->Exec("echo started; exec sleep 30", options);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->timed_out);
  EXPECT_EQ(run->error_kind(), SshErrorKind::kTimeout);
  EXPECT_EQ(run->out, "started\n");
  EXPECT_GE(run->duration, std::chrono::milliseconds(800));
  EXPECT_LT(run->duration, std::chrono::seconds(5));
  EXPECT_EQ(run->Describe().rfind("timed out after", 0), 0u);
  auto after = session->Exec("echo still-here");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->out, "still-here\n");
}

TEST(SshExecTest, KilledBySignalIsReported) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = MustConnect(OptionsFor(fleet, 0));
  ASSERT_NE(session, nullptr);
  auto run = session->Exec("kill -KILL $$");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_signal, "KILL");
  EXPECT_EQ(run->exit_code, -1);
  EXPECT_EQ(run->Describe(), "killed by signal KILL");
  EXPECT_EQ(run->error_kind(), SshErrorKind::kNonZeroExit);
}

TEST(SshExecTest, StreamsOutputAsItArrivesAndBoundsWhatItKeeps) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = MustConnect(OptionsFor(fleet, 0));
  ASSERT_NE(session, nullptr);
  std::vector<std::string> events;
  ExecOptions options;
  options.on_stdout = [&](std::string_view chunk) { events.push_back("out:" + std::string(chunk)); };
  options.on_stderr = [&](std::string_view chunk) { events.push_back("err:" + std::string(chunk)); };
  auto run = session->Exec("echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three", options);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ((std::vector<std::string>{"out:one\n", "err:two\n", "out:three\n"}), events);

  size_t streamed = 0;
  ExecOptions bounded;
  bounded.max_captured_bytes = 1000;
  bounded.on_stdout = [&](std::string_view chunk) { streamed += chunk.size(); };
  auto big = session->Exec("head -c 300000 /dev/zero", bounded);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(streamed, 300000u);
  EXPECT_EQ(big->out.size(), 1000u);
  EXPECT_TRUE(big->out_truncated);
  EXPECT_FALSE(big->err_truncated);
}

TEST(SshExecTest, StdinDataReachesTheCommand) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = MustConnect(OptionsFor(fleet, 0));
  ASSERT_NE(session, nullptr);
  ExecOptions options;
  options.stdin_data = std::string(100000, 'x') + "end";
  auto run = session->Exec("wc -c", options);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->out, "100003\n");
}

TEST(SshExecTest, ArgvArgumentsSurviveTheRemoteShellUnchanged) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = MustConnect(OptionsFor(fleet, 0));
  ASSERT_NE(session, nullptr);
  const std::vector<std::string> words = {"it's", "$(id)", "`id`", "a;b", "*", "new\nline", "", "-n", "\\"};
  std::vector<std::string> argv = {"printf", "%s|"};
  argv.insert(argv.end(), words.begin(), words.end());
  auto run = session->ExecArgv(argv);
  ASSERT_TRUE(run.ok());
  std::string expected;
  for (const auto& word : words) expected += word + "|";
  EXPECT_EQ(run->out, expected);
}

TEST(SshExecTest, SudoWrapsTheCommand) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  SshOptions options = OptionsFor(fleet, 0);
  // Default: the real `sudo -n --`, which this machine does not have.
  auto session = MustConnect(options);
  ASSERT_NE(session, nullptr);
  ExecOptions sudo;
  sudo.sudo = true;
  auto missing = session->Exec("id -u", sudo);
  ASSERT_TRUE(missing.ok());
  if (missing->exit_code == 127) {
    EXPECT_NE(missing->err.find("sudo"), std::string::npos) << missing->err;
  }

  options.sudo_argv = {ssh_test::FakeSudo(**dir), "-n", "--"};
  auto wrapped = MustConnect(options);
  ASSERT_NE(wrapped, nullptr);
  auto shell = wrapped->Exec("echo \"sudo=$KELOLA_FAKE_SUDO\"; echo 'quoted $HOME'", sudo);
  ASSERT_TRUE(shell.ok());
  EXPECT_EQ(shell->out, "sudo=1\nquoted $HOME\n") << shell->err;
  auto argv = wrapped->ExecArgv({"printf", "%s", "it's $HOME"}, sudo);
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(argv->out, "it's $HOME") << argv->err;
  auto plain = wrapped->Exec("echo \"sudo=$KELOLA_FAKE_SUDO\"");
  EXPECT_EQ(plain->out, "sudo=\n");
}

TEST(SshExecTest, ManyChannelsReuseOneConnection) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = MustConnect(OptionsFor(fleet, 0));
  auto other = MustConnect(OptionsFor(fleet, 0));
  ASSERT_NE(session, nullptr);
  ASSERT_NE(other, nullptr);
  // SSH_CONNECTION is "client_ip client_port server_ip server_port": the
  // same client port on every command means the same TCP connection.
  std::set<std::string> connections;
  for (int i = 0; i < 60; ++i) {
    auto run = session->Exec("echo $SSH_CONNECTION");
    ASSERT_TRUE(run.ok()) << "command " << i << ": " << run.status().ToString();
    ASSERT_EQ(run->exit_code, 0);
    connections.insert(run->out);
  }
  EXPECT_EQ(connections.size(), 1u);
  auto second = other->Exec("echo $SSH_CONNECTION");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(connections.count(second->out), 0u);
}

// The local port of our TCP connections to 127.0.0.1:`remote_port`, from
// /proc/net/tcp, keeping only sockets this process owns.
std::set<int> OwnLocalPortsTo(int remote_port) {
  std::set<std::string> own_inodes;
  if (DIR* fds = ::opendir("/proc/self/fd")) {
    while (dirent* entry = ::readdir(fds)) {
      char target[256] = {};
      std::string link = std::string("/proc/self/fd/") + entry->d_name;
      ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      std::string text(target, n > 0 ? static_cast<size_t>(n) : 0);
      if (text.rfind("socket:[", 0) == 0) own_inodes.insert(text.substr(8, text.size() - 9));
    }
    ::closedir(fds);
  }
  std::set<int> ports;
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::getline(tcp, line);
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
    int rport = std::stoi(remote.substr(remote.find(':') + 1), nullptr, 16);
    if (rport == remote_port && own_inodes.count(inode)) {
      ports.insert(std::stoi(local.substr(local.find(':') + 1), nullptr, 16));
    }
  }
  return ports;
}

TEST(SshExecTest, ProxyJumpReachesTheTargetThroughTheJumpHost) {
  KELOLA_SSH_FLEET(fleet, 2);
  SshOptions target = OptionsFor(fleet, 1);
  target.jump_host = std::make_shared<SshOptions>(OptionsFor(fleet, 0));
  auto session = MustConnect(target);
  ASSERT_NE(session, nullptr);
  auto run = session->Exec("echo $SSH_CONNECTION; echo done");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 0);
  // The target's client is the jump host's sshd, not this process: we hold
  // a TCP connection to the jump host and none to the target.
  EXPECT_TRUE(OwnLocalPortsTo(fleet.hosts()[1].port).empty());
  EXPECT_EQ(OwnLocalPortsTo(fleet.hosts()[0].port).size(), 1u);
  // Bulk data both ways through the bridge.
  ExecOptions options;
  options.stdin_data = std::string(3 << 20, 'j');
  auto bulk = session->Exec("wc -c; head -c 5000000 /dev/zero | wc -c", options);
  ASSERT_TRUE(bulk.ok()) << bulk.status().ToString();
  EXPECT_EQ(bulk->out, "3145728\n5000000\n");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(session->Exec("echo " + std::to_string(i))->out, std::to_string(i) + "\n");
}

TEST(SshExecTest, ProxyJumpFailuresNameTheHop) {
  KELOLA_SSH_FLEET(fleet, 2);
  auto dir = harness::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(harness::WriteFile((*dir)->File("empty_known_hosts"), "").ok());
  // The jump host's key is unknown: refused at the first hop.
  SshOptions target = OptionsFor(fleet, 1);
  SshOptions jump = OptionsFor(fleet, 0);
  jump.known_hosts_path = (*dir)->File("empty_known_hosts");
  target.jump_host = std::make_shared<SshOptions>(jump);
  auto refused = SshSession::Connect(target);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(SshErrorKindOf(refused.status()), SshErrorKind::kHostKey);
  EXPECT_NE(refused.status().message().find("via jump host"), std::string::npos) << refused.status().message();

  // The jump host works but cannot reach the target port.
  target.jump_host = std::make_shared<SshOptions>(OptionsFor(fleet, 0));
  target.port = 1;
  auto unreachable = SshSession::Connect(target);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(SshErrorKindOf(unreachable.status()), SshErrorKind::kUnreachable);
  EXPECT_NE(unreachable.status().message().find("cannot reach 127.0.0.1:1"), std::string::npos)
      << unreachable.status().message();
}

}  // namespace
}  // namespace kelola
