// ProxyJump for libssh 0.10, which has no SSH_OPTIONS_PROXYJUMP: the target
// session speaks SSH over one end of a socketpair, and this thread copies
// bytes between the other end and a direct-tcpip channel opened on the jump
// session (what `ssh -J` does with its own channel).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <libssh/server.h>  // ssh_send_keepalive

#include "ssh/ssh_session_internal.h"

namespace kelola {
namespace {

// Bytes from the jump channel waiting for the target session to read them.
// Past this the channel is not read, so the jump host's window closes and
// the far side slows down instead of this process buffering without limit.
constexpr size_t kMaxPending = 4u << 20;
constexpr int kPollMillis = 100;

}  // namespace

Result<std::unique_ptr<JumpBridge>> JumpBridge::Start(std::unique_ptr<SshSession> jump, const std::string& host,
                                                      int port) {
  std::unique_ptr<JumpBridge> bridge(new JumpBridge());
  bridge->jump_ = std::move(jump);
  ssh_session s = bridge->jump_->impl_->session;
  const std::string via = bridge->jump_->target();
  bridge->channel_ = ssh_channel_new(s);
  if (bridge->channel_ == nullptr)
    return LibsshError(s, StatusCode::kUnavailable, "jump host " + via + ": new channel");
  if (ssh_channel_open_forward(bridge->channel_, host.c_str(), port, "127.0.0.1", 0) != SSH_OK) {
    return LibsshError(s, StatusCode::kUnavailable,
                       "jump host " + via + " cannot reach " + host + ":" + std::to_string(port));
  }
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return InternalError("jump host " + via + ": socketpair failed");
  }
  bridge->bridge_fd_ = fds[0];
  bridge->target_fd_ = fds[1];
  ::fcntl(bridge->bridge_fd_, F_SETFL, ::fcntl(bridge->bridge_fd_, F_GETFL) | O_NONBLOCK);
  bridge->thread_ = std::thread([b = bridge.get()] { b->Run(); });
  return bridge;
}

JumpBridge::~JumpBridge() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (channel_ != nullptr) {
    if (ssh_channel_is_open(channel_)) ssh_channel_close(channel_);
    ssh_channel_free(channel_);
  }
  if (bridge_fd_ >= 0) ::close(bridge_fd_);
  jump_.reset();
}

void JumpBridge::Run() {
  SshSession::Impl& jump = *jump_->impl_;
  ssh_session s = jump.session;
  const int jump_fd = ssh_get_fd(s);
  std::string pending;  // channel -> socket
  bool channel_eof = false;
  bool socket_open = true;  // the target still sends
  char buffer[1 << 16];
  MonoTime last_keepalive = jump.clock->Monotonic();
  while (!stop_) {
    while (!channel_eof && pending.size() < kMaxPending) {
      int n = ssh_channel_read_nonblocking(channel_, buffer, sizeof buffer, 0);
      if (n > 0) {
        pending.append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n == SSH_EOF || n == SSH_ERROR) channel_eof = true;
      break;
    }
    while (!pending.empty()) {
      ssize_t w = ::send(bridge_fd_, pending.data(), pending.size(), MSG_NOSIGNAL);
      if (w > 0) {
        pending.erase(0, static_cast<size_t>(w));
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
      return;  // the target session is gone
    }
    if (channel_eof && pending.empty()) {
      // The far end closed: the target session sees EOF and fails its reads.
      ::shutdown(bridge_fd_, SHUT_WR);
      if (!socket_open) return;
    }

    pollfd fds[2] = {};
    fds[0].fd = bridge_fd_;
    fds[0].events = static_cast<short>((socket_open ? POLLIN : 0) | (pending.empty() ? 0 : POLLOUT));
    fds[1].fd = jump_fd;
    fds[1].events = static_cast<short>(!channel_eof && pending.size() < kMaxPending ? POLLIN : 0);
    ::poll(fds, 2, kPollMillis);

    if (socket_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = ::recv(bridge_fd_, buffer, sizeof buffer, 0);
      if (r > 0) {
        // Blocking write: waits for the channel window while libssh keeps
        // buffering what arrives from the jump host.
        int done = 0;
        while (done < r) {
          int n = ssh_channel_write(channel_, buffer + done, static_cast<uint32_t>(r - done));
          if (n < 0) return;
          done += n;
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        socket_open = false;
        ssh_channel_send_eof(channel_);
        if (channel_eof && pending.empty()) return;
      }
    }
    const Duration keepalive = jump.options.keepalive_interval;
    if (keepalive > Duration::zero() && jump.clock->Monotonic() - last_keepalive >= keepalive) {
      ssh_send_keepalive(s);
      last_keepalive = jump.clock->Monotonic();
    }
  }
}

}  // namespace kelola
