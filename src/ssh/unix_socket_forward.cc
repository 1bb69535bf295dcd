// One thread per forward, a poll loop over the listening socket, the SSH
// session's socket and every forwarded connection (as jump_bridge.cc does
// for one channel).
#include "ssh/unix_socket_forward.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <list>
#include <vector>

#include <libssh/server.h>  // ssh_send_keepalive

#include "ssh/ssh_session_internal.h"

namespace kelola {
namespace {

// Bytes from a channel waiting for the local client; past this the channel
// is not read (the far side's window closes instead of this buffer growing).
constexpr size_t kMaxPending = 4u << 20;
constexpr int kPollMillis = 100;

Result<ssh_channel> OpenChannel(ssh_session s, const std::string& remote, const std::string& target) {
  ssh_channel channel = ssh_channel_new(s);
  if (channel == nullptr) return LibsshError(s, StatusCode::kUnavailable, "ssh " + target + ": new channel");
  if (ssh_channel_open_forward_unix(channel, remote.c_str(), "127.0.0.1", 0) != SSH_OK) {
    Status error = LibsshError(s, StatusCode::kUnavailable,
                               "ssh " + target + ": cannot forward to the unix socket " + remote +
                                   " (does it exist, and does sshd allow stream-local forwarding?)");
    ssh_channel_free(channel);
    return error;
  }
  return channel;
}

void CloseChannel(ssh_channel channel) {
  if (channel == nullptr) return;
  if (ssh_channel_is_open(channel)) ssh_channel_close(channel);
  ssh_channel_free(channel);
}

struct Connection {
  int fd = -1;
  ssh_channel channel = nullptr;
  std::string pending;  // channel -> fd
  bool channel_eof = false;
  bool fd_open = true;  // the client still sends
  bool done = false;
};

}  // namespace

Result<std::unique_ptr<UnixSocketForward>> UnixSocketForward::Start(std::unique_ptr<SshSession> session,
                                                                    const std::string& remote_socket) {
  if (session == nullptr) return InvalidArgumentError("unix socket forward: no session");
  if (remote_socket.empty() || remote_socket.find('\0') != std::string::npos) {
    return InvalidArgumentError("unix socket forward: bad remote socket path");
  }
  std::unique_ptr<UnixSocketForward> f(new UnixSocketForward());
  f->target_ = session->target();
  f->remote_socket_ = remote_socket;
  f->session_ = std::move(session);
  ssh_session s = f->session_->impl_->session;
  // The far end answers before any local client waits on it.
  KELOLA_ASSIGN_OR_RETURN(ssh_channel probe, OpenChannel(s, remote_socket, f->target_));
  CloseChannel(probe);

  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kelola-fwd-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return InternalError("unix socket forward: mkdtemp " + pattern + " failed");
  f->dir_ = buf.data();
  f->socket_path_ = f->dir_ + "/s.sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (f->socket_path_.size() >= sizeof addr.sun_path) {
    return InternalError("unix socket forward: path " + f->socket_path_ + " is too long for a unix socket");
  }
  std::memcpy(addr.sun_path, f->socket_path_.c_str(), f->socket_path_.size() + 1);
  f->listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (f->listen_fd_ < 0 || ::bind(f->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(f->listen_fd_, 64) != 0) {
    return InternalError("unix socket forward: cannot listen on " + f->socket_path_ + ": " + std::strerror(errno));
  }
  f->thread_ = std::thread([p = f.get()] { p->Run(); });
  return f;
}

UnixSocketForward::~UnixSocketForward() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  session_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void UnixSocketForward::Run() {
  SshSession::Impl& impl = *session_->impl_;
  ssh_session s = impl.session;
  const int ssh_fd = ssh_get_fd(s);
  std::list<Connection> conns;
  char buffer[1 << 16];
  MonoTime last_keepalive = impl.clock->Monotonic();
  auto finish = [](Connection& c) {
    CloseChannel(c.channel);
    c.channel = nullptr;
    ::close(c.fd);
    c.done = true;
  };
  while (!stop_) {
    bool buffered = false;
    for (Connection& c : conns) {
      while (!c.channel_eof && c.pending.size() < kMaxPending) {
        int n = ssh_channel_read_nonblocking(c.channel, buffer, sizeof buffer, 0);
        if (n > 0) {
          c.pending.append(buffer, static_cast<size_t>(n));
          continue;
        }
        if (n == SSH_EOF || n == SSH_ERROR || ssh_channel_is_eof(c.channel)) c.channel_eof = true;
        break;
      }
      while (!c.pending.empty()) {
        ssize_t w = ::send(c.fd, c.pending.data(), c.pending.size(), MSG_NOSIGNAL);
        if (w > 0) {
          c.pending.erase(0, static_cast<size_t>(w));
          continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
        finish(c);  // the client is gone
        break;
      }
      if (c.done) continue;
      if (c.channel_eof && c.pending.empty()) {
        ::shutdown(c.fd, SHUT_WR);
        if (!c.fd_open) finish(c);
      }
      // Data a read on another channel pulled into this one's buffer.
      if (!c.done && !c.channel_eof && ssh_channel_poll(c.channel, 0) > 0) buffered = true;
    }
    conns.remove_if([](const Connection& c) { return c.done; });

    std::vector<pollfd> fds(2 + conns.size());
    fds[0].fd = listen_fd_;
    fds[0].events = POLLIN;
    fds[1].fd = ssh_fd;
    fds[1].events = POLLIN;
    size_t i = 2;
    for (Connection& c : conns) {
      fds[i].fd = c.fd;
      fds[i].events = static_cast<short>((c.fd_open ? POLLIN : 0) | (c.pending.empty() ? 0 : POLLOUT));
      ++i;
    }
    ::poll(fds.data(), fds.size(), buffered ? 0 : kPollMillis);

    i = 2;
    for (Connection& c : conns) {
      const short revents = fds[i++].revents;
      if (!c.fd_open || !(revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = ::recv(c.fd, buffer, sizeof buffer, 0);
      if (r > 0) {
        // Blocking write: waits for the channel window while libssh keeps
        // buffering what arrives for the other channels.
        int done = 0;
        while (done < r) {
          int n = ssh_channel_write(c.channel, buffer + done, static_cast<uint32_t>(r - done));
          if (n < 0) break;
          done += n;
        }
        if (done < r) finish(c);
      } else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        c.fd_open = false;
        ssh_channel_send_eof(c.channel);
        if (c.channel_eof && c.pending.empty()) finish(c);
      }
    }
    conns.remove_if([](const Connection& c) { return c.done; });

    if (fds[0].revents & POLLIN) {
      for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) break;
        auto channel = OpenChannel(s, remote_socket_, target_);
        if (!channel.ok()) {
          ::close(fd);  // the client sees EOF
          continue;
        }
        Connection c;
        c.fd = fd;
        c.channel = *channel;
        conns.push_back(std::move(c));
      }
    }
    const Duration keepalive = impl.options.keepalive_interval;
    if (keepalive > Duration::zero() && impl.clock->Monotonic() - last_keepalive >= keepalive) {
      ssh_send_keepalive(s);
      last_keepalive = impl.clock->Monotonic();
    }
  }
  for (Connection& c : conns) finish(c);
}

}  // namespace kelola
