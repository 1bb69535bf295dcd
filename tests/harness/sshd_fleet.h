// SshdFleet: N OpenSSH servers on 127.0.0.1:<free ports> (or 127.0.1.N, see
// SshdFleetOptions::distinct_addresses), standing in for a
// fleet of SSH hosts. Each has its own throwaway ed25519 host key; all
// accept one throwaway client key for a login user. known_hosts() pins every
// host key, so clients can (and should) verify hosts strictly.
//
// Login user: "kelola-test" with /bin/sh, created with useradd when missing
// (a /bin/sh user avoids root's shell start-up cost on every command), and
// root if it cannot be created. Every file lives in one temp dir, removed
// on destruction after every sshd is stopped by pid.
//
// Errors: FailedPrecondition when sshd or ssh-keygen is not installed;
// Unavailable when an sshd did not come up (the message carries its log).
// Thread-safety: one owner; the accessors are const.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

struct SshHost {
  std::string address = "127.0.0.1";
  int port = 0;
  std::string host_public_key;  // "ssh-ed25519 AAAA..."
};

// Options that make hosts more like separate machines. Both run each sshd
// in its own mount namespace (unshare -m, needs root), so nothing changes
// outside the test: the mounts vanish with the sshd.
struct SshdFleetOptions {
  // A private tmpfs per host on private_dir(): files a test writes there on
  // one host are not seen by the others (copies to many hosts are real).
  bool private_dir = false;
  // The login user may run any command as root with `sudo -n`: a sudoers
  // file in the fleet's temp dir is bind-mounted on /etc/sudoers.d inside
  // each host's namespace only. FailedPrecondition when sudo is missing.
  bool passwordless_sudo = false;
  // Host i listens on 127.0.1.(i+1) instead of 127.0.0.1 (all of
  // 127.0.0.0/8 is loopback), so services the hosts start can each use the
  // same port on their own address, as on separate machines.
  bool distinct_addresses = false;
};

class SshdFleet {
 public:
  static constexpr const char* kLoginUser = "kelola-test";

  static Result<std::unique_ptr<SshdFleet>> Start(int count, const SshdFleetOptions& options = {});
  SshdFleet(const SshdFleet&) = delete;
  SshdFleet& operator=(const SshdFleet&) = delete;
  ~SshdFleet();

  const std::vector<SshHost>& hosts() const { return hosts_; }
  // The user to log in as: kLoginUser, or "root" when it could not be made.
  const std::string& user() const { return user_; }
  // The client's private key (mode 0600) and public key.
  std::string client_key_path() const { return dir_->File("client_ed25519"); }
  std::string client_public_key_path() const { return dir_->File("client_ed25519.pub"); }
  // A known_hosts file with one "[127.0.0.1]:PORT ssh-ed25519 ..." line per host.
  std::string known_hosts_path() const { return dir_->File("known_hosts"); }
  const std::string& known_hosts() const { return known_hosts_; }
  std::string log_path(size_t host) const;
  // With SshdFleetOptions::private_dir: the directory each host sees as its
  // own (empty, world-writable, sticky). Outside the hosts it stays empty.
  std::string private_dir() const { return dir_->File("private"); }

  // argv for the OpenSSH client running `command` on host `index`, with
  // strict host key checking against known_hosts_path() and no user config.
  std::vector<std::string> SshCommand(size_t index, const std::string& command) const;

 private:
  SshdFleet(std::unique_ptr<TempDir> dir, SshdFleetOptions options) : dir_(std::move(dir)), options_(options) {}
  Status StartHost(size_t index, const std::string& sshd);

  std::unique_ptr<TempDir> dir_;
  SshdFleetOptions options_;
  std::string user_;
  std::vector<SshHost> hosts_;
  std::vector<std::unique_ptr<ChildProcess>> processes_;
  std::string known_hosts_;
};

// Makes sure a /bin/sh login user named `name` exists and is not locked
// (sshd refuses keys for accounts whose password field starts with '!').
// Returns the user to use: `name`, or "root" when it cannot be created.
std::string EnsureLoginUser(const std::string& name);

}  // namespace kelola::harness
