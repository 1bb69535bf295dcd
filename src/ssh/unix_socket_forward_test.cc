// UnixSocketForward against a real sshd (tests/harness): an echo server on
// a unix socket on the "far" side, reached through the forward by several
// clients at once; a socket that does not exist is a clear error.
#include "ssh/unix_socket_forward.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

#include "ssh/ssh_test_support.h"

namespace kelola {
namespace {

int ConnectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Echoes every connection until the client closes its side.
class EchoServer {
 public:
  explicit EchoServer(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::chmod(path.c_str(), 0777);  // the sshd login user connects to it
    EXPECT_EQ(::listen(fd_, 16), 0);
    thread_ = std::thread([this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        workers_.emplace_back([c] {
          char buf[4096];
          for (;;) {
            ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            if (::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
          }
          ::close(c);
        });
      }
    });
  }
  ~EchoServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (auto& w : workers_) w.join();
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
  std::vector<std::thread> workers_;
};

std::string RoundTrip(const std::string& socket, const std::string& message) {
  int fd = ConnectUnix(socket);
  if (fd < 0) return "connect failed";
  ::send(fd, message.data(), message.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  std::string got;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

TEST(UnixSocketForwardTest, CarriesConcurrentConnectionsToTheRemoteSocket) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto remote = ssh_test::RemoteScratch(fleet);
  const std::string remote_socket = remote->File("echo.sock");
  EchoServer echo(remote_socket);
  auto session = SshSession::Connect(ssh_test::OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto forward = UnixSocketForward::Start(std::move(*session), remote_socket);
  ASSERT_TRUE(forward.ok()) << forward.status().ToString();

  std::vector<std::thread> clients;
  std::vector<std::string> got(8);
  const std::string big(300000, 'x');  // several channel windows' worth
  for (size_t i = 0; i < got.size(); ++i) {
    clients.emplace_back([&, i] { got[i] = RoundTrip((*forward)->socket_path(), std::to_string(i) + big); });
  }
  for (auto& c : clients) c.join();
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].size(), big.size() + 1) << "client " << i;
    EXPECT_EQ(got[i].substr(0, 1), std::to_string(i));
  }
  const std::string path = (*forward)->socket_path();
  forward->reset();
  struct stat st;
  EXPECT_NE(::stat(path.c_str(), &st), 0) << "the local socket outlived the forward";
}

TEST(UnixSocketForwardTest, MissingRemoteSocketIsUnavailableNamingIt) {
  KELOLA_SSH_FLEET(fleet, 1);
  auto session = SshSession::Connect(ssh_test::OptionsFor(fleet, 0));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto forward = UnixSocketForward::Start(std::move(*session), "/nonexistent/kelola/docker.sock");
  ASSERT_FALSE(forward.ok());
  EXPECT_EQ(forward.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(forward.status().message().find("/nonexistent/kelola/docker.sock"), std::string::npos)
      << forward.status().message();
}

}  // namespace
}  // namespace kelola
