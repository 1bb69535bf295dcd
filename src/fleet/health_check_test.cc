// The real TCP and HTTP checks against local listeners (the project's
// HttpServer on a free loopback port); the SSH command check is exercised
// against real sshd in host_controller_sshd_test.cc.
#include "fleet/health_check.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "net/http_server.h"

namespace kelola {
namespace {

using namespace std::chrono_literals;

// A listening socket on 127.0.0.1 (the kernel completes connects to it
// without accept()), and a port that is certainly closed.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(HealthCheckTest, TcpConnectsToAListenerAndNamesARefusal) {
  Listener listener;
  EXPECT_TRUE(CheckTcp("127.0.0.1", listener.port(), 2s).ok());
  const int port = listener.port();
  listener.Close();
  Status closed = CheckTcp("127.0.0.1", port, 2s);
  EXPECT_EQ(closed.code(), StatusCode::kUnavailable);
  EXPECT_EQ(closed.message(), "tcp 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST(HealthCheckTest, TcpRefusesBadInputWithoutTouchingTheNetwork) {
  EXPECT_EQ(CheckTcp("", 80, 1s).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckTcp("127.0.0.1", 0, 1s).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTcp("no such host.invalid", 80, 1s).code(), StatusCode::kUnavailable);
}

TEST(HealthCheckTest, HttpWants2xx) {
  std::atomic<int> answer{200};
  HttpServerOptions options;
  options.io_threads = 1;
  HttpServer server(options);
  server.Route("GET", "/healthz", [&](HttpRequest&) { return HttpResponse::Text(answer.load(), "state\n"); });
  ASSERT_TRUE(server.Start().ok());
  const int port = server.port();

  EXPECT_TRUE(CheckHttp("127.0.0.1", port, "/healthz", 2s).ok());
  answer = 204;
  EXPECT_TRUE(CheckHttp("127.0.0.1", port, "healthz", 2s).ok()) << "a path without '/' gets one";
  answer = 503;
  Status down = CheckHttp("127.0.0.1", port, "/healthz", 2s);
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  EXPECT_EQ(down.message(), "http http://127.0.0.1:" + std::to_string(port) + "/healthz: HTTP 503");
  Status missing = CheckHttp("127.0.0.1", port, "/nope", 2s);
  EXPECT_NE(missing.message().find("HTTP 404"), std::string::npos) << missing.message();
  server.Stop();
  Status stopped = CheckHttp("127.0.0.1", port, "/healthz", 2s);
  EXPECT_FALSE(stopped.ok());
  EXPECT_NE(stopped.message().find("http://127.0.0.1:" + std::to_string(port) + "/healthz"), std::string::npos);
}

TEST(HealthCheckTest, NetworkCheckerReadsTheAddressFromTheHostSpec) {
  Listener listener;
  NetworkHealthChecker checker({});
  Resource host;
  host.kind = "Host";
  host.name = "web-1";
  host.spec_json = R"({"address":"127.0.0.1","port":2222,"user":"root"})";
  HealthCheckSpec tcp;
  tcp.kind = HealthCheckSpec::Kind::kTcp;
  tcp.port = listener.port();
  tcp.timeout = 2s;
  EXPECT_TRUE(checker.Check(tcp, host).ok());
  HealthCheckSpec none;
  EXPECT_TRUE(checker.Check(none, host).ok());

  host.spec_json = "{}";
  EXPECT_EQ(checker.Check(tcp, host).code(), StatusCode::kFailedPrecondition);
  host.spec_json = "not json";
  EXPECT_EQ(checker.Check(tcp, host).code(), StatusCode::kInvalidArgument);
}

TEST(HealthCheckTest, CommandCheckNeedsAnSshLogin) {
  NetworkHealthChecker checker({});
  Resource host;
  host.kind = "Host";
  host.name = "web-1";
  host.spec_json = R"({"address":"127.0.0.1","port":22})";  // no credentials
  HealthCheckSpec command;
  command.kind = HealthCheckSpec::Kind::kCommand;
  command.command = "true";
  Status s = checker.Check(command, host);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no credentials"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace kelola
