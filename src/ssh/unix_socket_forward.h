// UnixSocketForward: `ssh -L /local.sock:/remote.sock` on libssh — a local
// unix socket whose every connection is carried to a unix socket on the far
// host through a `direct-streamlocal@openssh.com` channel (RFC 4254 style,
// OpenSSH's extension), e.g. a host's /var/run/docker.sock for an HTTP
// client that speaks to the Docker engine there.
//
// The forward owns its SSH session: one thread (the only user of the
// session) accepts local connections, opens a channel per connection and
// copies bytes both ways. The local socket lives in a fresh 0700 directory
// under $TMPDIR (or /tmp) and is removed with it on destruction.
//
// Errors (Start): Unavailable when the far side refuses a streamlocal
// channel (sshd with AllowStreamLocalForwarding no, a socket that does not
// exist: checked by opening one channel first), Internal for local socket
// failures. A connection whose channel cannot be opened later is closed at
// once (the client sees EOF).
// Thread-safety: socket_path() from any thread; destruction from one.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "ssh/ssh_session.h"

namespace kelola {

class UnixSocketForward {
 public:
  static Result<std::unique_ptr<UnixSocketForward>> Start(std::unique_ptr<SshSession> session,
                                                          const std::string& remote_socket);
  UnixSocketForward(const UnixSocketForward&) = delete;
  UnixSocketForward& operator=(const UnixSocketForward&) = delete;
  ~UnixSocketForward();  // stops the thread, closes channels and the session, removes the socket

  // The local socket to connect to.
  const std::string& socket_path() const { return socket_path_; }
  const std::string& target() const { return target_; }  // "user@host:port"

 private:
  UnixSocketForward() = default;
  void Run();

  std::unique_ptr<SshSession> session_;
  std::string remote_socket_;
  std::string target_;
  std::string dir_;
  std::string socket_path_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kelola
