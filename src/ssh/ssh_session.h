// SshSession: one authenticated SSH connection to one host (the project's
// Paramiko SSHClient), on libssh. Many commands and transfers reuse it: each
// Exec opens a channel on the same connection; SFTP is started once.
//
// Safe by default:
//   - the host key is verified before any credential is sent: against a
//     known_hosts file (strict unless HostKeyPolicy::kAcceptNew, which appends
//     keys of hosts never seen but still refuses CHANGED keys), or against
//     a pinned key; an unknown or changed key refuses the connection with
//     the host, key type and SHA256 fingerprint in the message;
//   - only the credentials in SshCredentials are tried (a key file, the
//     agent, a password) — never ~/.ssh identities, ~/.ssh/config or
//     ~/.ssh/known_hosts unless a path here names them;
//   - passphrases and passwords are never logged or put in messages;
//   - commands built from data go through ExecArgv (shell_quote.h).
//
// Thread-safety: a session is used by one thread at a time (libssh sessions
// are not thread-safe); different sessions may be used concurrently.
// Errors: see ssh_error.h for the code of each failure kind.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ssh/ssh_error.h"

namespace kelola {

enum class HostKeyPolicy {
  kStrict,     // only keys already in known_hosts (or the pinned key)
  kAcceptNew,  // also hosts with no entry yet: their key is appended
};

// Which credentials to offer, tried in this order. At least one is needed.
struct SshCredentials {
  std::string private_key_path;         // OpenSSH or PEM: ed25519, ECDSA, RSA
  std::string private_key_data;         // secret; the key itself, instead of a file
  std::string private_key_passphrase;   // secret; "" for an unencrypted key
  bool use_agent = false;               // keys of a running ssh-agent
  std::string agent_socket;             // "" = $SSH_AUTH_SOCK
  std::optional<std::string> password;  // secret; offered only when set
};

struct SshOptions {
  std::string host;  // name or address
  int port = 22;
  std::string user;
  SshCredentials credentials;
  // known_hosts file to check the host key against (OpenSSH format, hashed
  // entries allowed). Required unless pinned_host_key is set.
  std::string known_hosts_path;
  // "ssh-ed25519 AAAA..." (as in a .pub file): the only key accepted.
  std::string pinned_host_key;
  HostKeyPolicy host_key_policy = HostKeyPolicy::kStrict;
  // TCP connect + key exchange + each blocking protocol step.
  Duration connect_timeout = std::chrono::seconds(10);
  // TCP keepalive on the socket, and an SSH keepalive request while a
  // command runs longer than this. Zero turns both off.
  Duration keepalive_interval = std::chrono::seconds(30);
  // ProxyJump: reach `host` through a direct-tcpip channel of a session to
  // this host (which may itself have a jump host).
  std::shared_ptr<const SshOptions> jump_host;
  // Replaces {"sudo", "-n", "--"} when ExecOptions.sudo is set.
  std::vector<std::string> sudo_argv;
  Clock* clock = nullptr;  // SystemClock() when null; times command timeouts
};

struct ExecOptions {
  Duration timeout{0};     // 0 = no limit; on expiry the command gets SIGTERM
  bool sudo = false;       // run under `sudo -n --` (SshOptions.sudo_argv)
  std::string stdin_data;  // written before output is read: keep it small
  // Called with output as it arrives (chunks, not lines), on the calling thread.
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
  size_t max_captured_bytes = 8u << 20;  // per stream; the rest is only streamed
};

struct ExecResult {
  int exit_code = -1;       // -1 when killed by a signal or timed out
  std::string exit_signal;  // "TERM", "KILL", ... when killed by one
  bool timed_out = false;
  std::string out;
  std::string err;
  bool out_truncated = false;
  bool err_truncated = false;
  Duration duration{};

  bool ok() const { return !timed_out && exit_code == 0; }
  SshErrorKind error_kind() const;
  // "exit 0", "exit 3", "killed by signal KILL", "timed out after 2.0s".
  std::string Describe() const;
};

struct UploadOptions {
  std::string remote_path;  // absolute, or relative to the login directory
  unsigned mode = 0644;
  std::string owner;            // "user" or "user:group" for chown; "" leaves it
  bool sudo = false;            // finish (copy, chmod, chown, rename) under sudo
  bool verify_checksum = true;  // remote sha256sum must match what was sent
};

struct TransferResult {
  std::string sha256;  // lower-case hex of the content transferred
  uint64_t bytes = 0;
  Duration duration{};
};

struct RemoteFileState {
  bool exists = false;
  unsigned mode = 0;  // permission bits, e.g. 0644
  std::string owner;
  std::string group;
  uint64_t size = 0;
  std::string sha256;  // of a regular file's content
};

class JumpBridge;
class UnixSocketForward;

class SshSession {
 public:
  // Connects, verifies the host key, authenticates. Errors: Unavailable
  // (refused, no route, timed out connecting: all "unreachable"),
  // PermissionDenied (host key refused), Unauthenticated, InvalidArgument
  // (options).
  static Result<std::unique_ptr<SshSession>> Connect(const SshOptions& options);
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;
  ~SshSession();

  // "user@host:port", for messages and reports.
  const std::string& target() const;
  // "ssh-ed25519 SHA256:..." of the verified host key.
  const std::string& host_key_fingerprint() const;
  // False once the connection is known to be gone.
  bool connected() const;

  // Runs a shell command line (the remote login shell parses it). A command
  // that ran is a value whatever its exit code; a timeout is a value with
  // timed_out set. Status errors: the connection failed (Unavailable),
  // InvalidArgument for an empty command or a NUL byte.
  Result<ExecResult> Exec(const std::string& command, const ExecOptions& options = {});
  // Runs argv with every argument shell-quoted: the way to pass data.
  Result<ExecResult> ExecArgv(const std::vector<std::string>& argv, const ExecOptions& options = {});

  // SFTP upload: written to a hidden temporary name beside the target,
  // fsync'ed, given mode and owner, its SHA-256 checked remotely with
  // sha256sum, then renamed into place (atomic: readers see the old file or
  // the new one). DataLoss on a checksum mismatch; the target is untouched
  // by any failure. Needs sha256sum and mv on the host.
  Result<TransferResult> Upload(const std::string& local_path, const UploadOptions& options);
  Result<TransferResult> UploadContent(std::string_view content, const UploadOptions& options);
  // SFTP download to a temporary name beside local_path, fsync, rename;
  // the content's SHA-256 is compared with the remote sha256sum.
  Result<TransferResult> Download(const std::string& remote_path, const std::string& local_path);
  // Mode, owner, size and SHA-256 of a remote path (exists=false if absent),
  // for idempotent steps that change a file only when it differs.
  Result<RemoteFileState> InspectFile(const std::string& remote_path, bool sudo = false);

  struct Impl;

 private:
  friend class JumpBridge;
  friend class UnixSocketForward;
  explicit SshSession(std::unique_ptr<Impl> impl);
  Result<TransferResult> UploadFrom(const std::function<Result<size_t>(char*, size_t)>& read_chunk,
                                    const UploadOptions& options);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
