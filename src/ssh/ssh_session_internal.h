// Internal to src/ssh (includes libssh): the state behind SshSession and the
// helpers its .cc files share. Not for use outside this folder.
#pragma once

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/status.h"
#include "ssh/ssh_session.h"

namespace kelola {

// Carries bytes between a local socketpair end (the target session's
// transport) and a direct-tcpip channel of the jump session, on a thread of
// its own that is the only user of the jump session.
class JumpBridge {
 public:
  // Opens the channel to host:port on `jump` and starts the thread. Returns
  // the bridge; target_fd() is the socket to hand to the target session
  // (which then owns and closes it).
  static Result<std::unique_ptr<JumpBridge>> Start(std::unique_ptr<SshSession> jump, const std::string& host, int port);
  ~JumpBridge();  // stops the thread, closes the channel and the jump session
  int target_fd() const { return target_fd_; }

 private:
  JumpBridge() = default;
  void Run();

  std::unique_ptr<SshSession> jump_;
  ssh_channel channel_ = nullptr;
  int bridge_fd_ = -1;  // our end of the socketpair
  int target_fd_ = -1;  // the target session's end
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct SshSession::Impl {
  ~Impl();

  SshOptions options;
  Clock* clock = nullptr;
  std::string target;       // "user@host:port"
  std::string fingerprint;  // "ssh-ed25519 SHA256:..."
  ssh_session session = nullptr;
  sftp_session sftp = nullptr;
  std::unique_ptr<JumpBridge> bridge;  // set when reached through a jump host
};

struct SshKeyDeleter {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using UniqueSshKey = std::unique_ptr<ssh_key_struct, SshKeyDeleter>;

// libssh's global initialisation, once per process.
void InitLibssh();
// Checks options before anything touches the network (InvalidArgument).
Status ValidateSshOptions(const SshOptions& options);
// Host, port, user, known_hosts, timeouts and the rules that keep ~/.ssh
// out of it, on a new session.
Status ApplySessionOptions(ssh_session session, const SshOptions& options);
// The private key of `credentials` (file or data); Unauthenticated when it
// cannot be decrypted or parsed, InvalidArgument when the file is unreadable.
Result<UniqueSshKey> LoadPrivateKey(const SshCredentials& credentials, const std::string& target);
// "key /path" or "the configured key", for messages.
std::string KeySource(const SshCredentials& credentials);

// "[host]:port" or "host" for port 22, as known_hosts names hosts.
std::string KnownHostsName(const std::string& host, int port);
// "SHA256:<base64>" of a public key.
std::string Sha256Fingerprint(ssh_key key);
// The key's type name ("ssh-ed25519") and fingerprint.
std::string DescribeKey(ssh_key key);

// Checks the server key of a connected (not yet authenticated) session
// against options; PermissionDenied when refused. Sets *fingerprint.
Status VerifyHostKey(ssh_session session, const SshOptions& options, std::string* fingerprint);

// libssh's last error on `session` as a Status with `code`, prefixed by `what`.
Status LibsshError(ssh_session session, StatusCode code, const std::string& what);

// Opens (once) the session's SFTP subsystem.
Result<sftp_session> SftpFor(SshSession::Impl& impl);

}  // namespace kelola
