#include "tests/harness/sshd_fleet.h"

#include <pwd.h>
#include <shadow.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <thread>

#include "tests/harness/free_port.h"
#include "tests/harness/run_command.h"

namespace kelola::harness {
namespace {

constexpr int kPortAttempts = 3;
constexpr auto kReadyTimeout = std::chrono::seconds(15);

std::string SshdConfig(const std::string& dir, size_t index, const std::string& address, int port) {
  const std::string n = std::to_string(index);
  return "ListenAddress " + address +
         "\n"
         "Port " +
         std::to_string(port) +
         "\n"
         "HostKey " +
         dir + "/hostkey-" + n +
         "\n"
         "PidFile " +
         dir + "/sshd-" + n +
         ".pid\n"
         "AuthorizedKeysFile " +
         dir +
         "/authorized_keys\n"
         // Keys live under /tmp, which StrictModes rejects as world-writable.
         "StrictModes no\n"
         "PermitRootLogin prohibit-password\n"
         "PubkeyAuthentication yes\n"
         "PasswordAuthentication no\n"
         "KbdInteractiveAuthentication no\n"
         "UsePAM no\n"
         "UseDNS no\n"
         "PrintMotd no\n"
         "PrintLastLog no\n"
         "Subsystem sftp internal-sftp\n"
         // Fan-out tests open many connections at once.
         "MaxStartups 200:30:400\n"
         "MaxSessions 50\n";
}

// Waits until the server listens on `port` (or dies, or time runs out).
bool WaitForListener(const std::string& address, int port, ChildProcess& process) {
  Clock& clock = SystemClock();
  const MonoTime deadline = clock.Monotonic() + kReadyTimeout;
  while (process.Running() && clock.Monotonic() < deadline) {
    if (PortAcceptsConnections(address, port)) return true;
    // Real time on purpose: waiting for a real server to come up.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string EnsureLoginUser(const std::string& name) {
  // Parallel fleets in one process would race on useradd.
  static std::mutex mu;
  std::lock_guard<std::mutex> l(mu);
  if (::getpwnam(name.c_str()) == nullptr) {
    auto created = RunCommand({"useradd", "--system", "--create-home", "--shell", "/bin/sh", name});
    // Another test process may have created it meanwhile: check again
    // rather than trust the exit code.
    if (::getpwnam(name.c_str()) == nullptr) {
      std::fprintf(stderr, "harness: cannot create user %s (%s); logging in as root\n", name.c_str(),
                   created.ok() ? Trim(created->err).c_str() : created.status().ToString().c_str());
      return "root";
    }
  }
  // Without PAM, sshd treats a password field starting with '!' as a locked
  // account and refuses even key logins. '*' means "no password" instead.
  struct spwd* shadow = ::getspnam(name.c_str());
  if (shadow != nullptr && shadow->sp_pwdp != nullptr && shadow->sp_pwdp[0] == '!') {
    auto unlocked = RunCommand({"usermod", "--password", "*", name});
    if (!unlocked.ok() || unlocked->exit_code != 0) {
      std::fprintf(stderr, "harness: cannot unlock user %s; logging in as root\n", name.c_str());
      return "root";
    }
  }
  return name;
}

Result<std::unique_ptr<SshdFleet>> SshdFleet::Start(int count, const SshdFleetOptions& options) {
  if (count < 1) return InvalidArgumentError("SshdFleet needs at least one host");
  auto sshd = FindExecutable("sshd");
  if (!sshd || !FindExecutable("ssh-keygen")) {
    return FailedPreconditionError(
        "sshd or ssh-keygen is not installed: install the Debian package openssh-server "
        "(scripts/install-deps does)");
  }
  KELOLA_ASSIGN_OR_RETURN(auto dir, TempDir::Create("kelola-sshd"));
  // sshd reads authorized_keys as the login user: the directory must be
  // traversable and the file readable by it.
  if (::chmod(dir->path().c_str(), 0755) != 0) {
    return InternalError("chmod 0755 " + dir->path() + " failed");
  }
  // sshd refuses to start without its privilege separation directory, which
  // nothing creates on a machine without systemd.
  ::mkdir("/run/sshd", 0755);

  std::unique_ptr<SshdFleet> fleet(new SshdFleet(std::move(dir), options));
  fleet->user_ = EnsureLoginUser(kLoginUser);
  const std::string& path = fleet->dir_->path();
  if (options.private_dir || options.passwordless_sudo) {
    if (!FindExecutable("unshare") || ::geteuid() != 0) {
      return FailedPreconditionError("private hosts need root and unshare (util-linux) for their mount namespaces");
    }
  }
  if (options.private_dir && ::mkdir(fleet->private_dir().c_str(), 0755) != 0) {
    return InternalError("cannot create " + fleet->private_dir());
  }
  if (options.passwordless_sudo) {
    if (!FindExecutable("sudo") || ::access("/etc/sudoers.d", F_OK) != 0) {
      return FailedPreconditionError("sudo is not installed (Debian package sudo; scripts/install-deps installs it)");
    }
    const std::string sudoers = path + "/sudoers.d";
    if (::mkdir(sudoers.c_str(), 0755) != 0) return InternalError("cannot create " + sudoers);
    // sudo ignores files that are not root-owned and 0440; the harness runs as root.
    KELOLA_RETURN_IF_ERROR(WriteFile(sudoers + "/kelola-test", fleet->user_ + " ALL=(ALL:ALL) NOPASSWD: ALL\n", 0440));
  }
  KELOLA_RETURN_IF_ERROR(RunCommandOk({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kelola-test-client", "-f",
                                       fleet->client_key_path()})
                             .status());
  KELOLA_ASSIGN_OR_RETURN(std::string client_public, ReadFile(fleet->client_public_key_path()));
  KELOLA_RETURN_IF_ERROR(WriteFile(path + "/authorized_keys", client_public, 0644));

  for (int i = 0; i < count; ++i) {
    KELOLA_RETURN_IF_ERROR(fleet->StartHost(static_cast<size_t>(i), *sshd));
  }
  for (const auto& host : fleet->hosts_) {
    fleet->known_hosts_ += "[" + host.address + "]:" + std::to_string(host.port) + " " + host.host_public_key + "\n";
  }
  KELOLA_RETURN_IF_ERROR(WriteFile(fleet->known_hosts_path(), fleet->known_hosts_, 0644));
  return fleet;
}

Status SshdFleet::StartHost(size_t index, const std::string& sshd) {
  const std::string& path = dir_->path();
  const std::string n = std::to_string(index);
  const std::string host_key = path + "/hostkey-" + n;
  KELOLA_RETURN_IF_ERROR(
      RunCommandOk({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kelola-test-host-" + n, "-f", host_key})
          .status());
  KELOLA_ASSIGN_OR_RETURN(std::string host_public, ReadFile(host_key + ".pub"));
  // "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA..."
  auto second_space = host_public.find(' ', host_public.find(' ') + 1);
  host_public = Trim(host_public.substr(0, second_space));

  const std::string address = options_.distinct_addresses ? "127.0.1." + std::to_string(index + 1) : "127.0.0.1";
  Status last = OkStatus();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    KELOLA_ASSIGN_OR_RETURN(int port, FreePort());
    const std::string config = path + "/sshd-" + n + ".conf";
    KELOLA_RETURN_IF_ERROR(WriteFile(config, SshdConfig(path, index, address, port)));
    if (index == 0 && attempt == 0) {
      // Config errors are clearer from a test run than from a dead daemon.
      auto checked = RunCommand({sshd, "-t", "-f", config});
      if (!checked.ok()) return checked.status();
      if (checked->exit_code != 0) {
        return InternalError("sshd rejects the harness config " + config + ": " + checked->err);
      }
    }
    SpawnOptions options;
    // -D: stay in the foreground so the pid is ours to stop; -E: log file.
    options.argv = {sshd, "-D", "-f", config, "-E", log_path(index)};
    if (options_.private_dir || options_.passwordless_sudo) {
      // unshare and sh both exec: the pid stays sshd's, to stop it by.
      options.argv = {"unshare",
                      "-m",
                      "--propagation",
                      "private",
                      "/bin/sh",
                      "-c",
                      "set -e\n"
                      "if [ -n \"$4\" ]; then mount -n -t tmpfs -o size=512m,mode=1777 kelola-host \"$4\"; fi\n"
                      "if [ -n \"$5\" ]; then mount -n --bind \"$5\" /etc/sudoers.d; fi\n"
                      "exec \"$1\" -D -f \"$2\" -E \"$3\"\n",
                      "kelola-sshd",
                      sshd,
                      config,
                      log_path(index),
                      options_.private_dir ? private_dir() : "",
                      options_.passwordless_sudo ? path + "/sudoers.d" : ""};
    }
    KELOLA_ASSIGN_OR_RETURN(auto process, ChildProcess::Spawn(options));
    if (WaitForListener(address, port, *process)) {
      hosts_.push_back(SshHost{address, port, host_public});
      processes_.push_back(std::move(process));
      return OkStatus();
    }
    process->Stop();
    std::string log = TailOfFile(log_path(index));
    last = UnavailableError("sshd " + n + " on " + address + ":" + std::to_string(port) + " did not come up; log:\n" +
                            log);
    // Only a lost race for the port is worth another try.
    if (log.find("Address already in use") == std::string::npos) break;
  }
  return last;
}

SshdFleet::~SshdFleet() {
  // Servers stop before their keys and configs are removed.
  processes_.clear();
  dir_.reset();
}

std::string SshdFleet::log_path(size_t host) const { return dir_->File("sshd-" + std::to_string(host) + ".log"); }

std::vector<std::string> SshdFleet::SshCommand(size_t index, const std::string& command) const {
  const SshHost& host = hosts_.at(index);
  // clang-format off
  return {"ssh",
          "-F", "/dev/null",
          "-i", client_key_path(),
          "-o", "IdentitiesOnly=yes",
          "-o", "BatchMode=yes",
          "-o", "UserKnownHostsFile=" + known_hosts_path(),
          "-o", "GlobalKnownHostsFile=/dev/null",
          "-o", "StrictHostKeyChecking=yes",
          "-o", "ConnectTimeout=10",
          "-p", std::to_string(host.port),
          user_ + "@" + host.address,
          command};
  // clang-format on
}

}  // namespace kelola::harness
