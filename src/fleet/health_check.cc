// The real health checks: a non-blocking TCP connect bounded by the check's
// timeout, an HTTP GET through the project's HttpClient (no retries: the
// controller's threshold is the retry policy), and a command over SSH.
#include "fleet/health_check.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "ssh/ssh_session.h"

namespace kelola {
namespace {

std::string HostPort(const std::string& address, int port) {
  const bool ipv6 = address.find(':') != std::string::npos;
  return (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

int TimeoutMillis(Duration timeout) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 1, 24 * 3600 * 1000));
}

// Tries one resolved address; "" when connected, else the failure.
std::string ConnectOnce(const addrinfo* ai, MonoTime deadline) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  std::string error;
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      error = std::strerror(errno);
    } else {
      pollfd p{fd, POLLOUT, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      int rc = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (rc == 0) {
        error = "timed out";
      } else if (rc < 0) {
        error = std::string("poll: ") + std::strerror(errno);
      } else {
        int so_error = 0;
        socklen_t len = sizeof so_error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
        if (so_error != 0) error = std::strerror(so_error);
      }
    }
  }
  ::close(fd);
  return error;
}

std::string Tail(const std::string& text, size_t max) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.size() <= max) return t;
  return "..." + t.substr(t.size() - max);
}

}  // namespace

Status CheckTcp(const std::string& address, int port, Duration timeout) {
  const std::string where = "tcp " + HostPort(address, port);
  if (address.empty()) return FailedPreconditionError(where + ": the host has no address yet");
  if (port < 1 || port > 65535) return InvalidArgumentError(where + ": port out of range");
  // A real-time deadline: the check talks to the network, not to the
  // controller's clock.
  const MonoTime deadline = std::chrono::steady_clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) return UnavailableError(where + ": cannot resolve: " + ::gai_strerror(rc));
  std::string error = "no address";
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    error = ConnectOnce(ai, deadline);
    if (error.empty()) break;
  }
  ::freeaddrinfo(res);
  if (error.empty()) return OkStatus();
  if (error == "timed out")
    return DeadlineExceededError(where + ": no answer within " + std::to_string(TimeoutMillis(timeout)) + " ms");
  return UnavailableError(where + ": " + error);
}

Status CheckHttp(const std::string& address, int port, const std::string& path, Duration timeout) {
  std::string p = path.empty() ? "/" : path;
  if (p[0] != '/') p = "/" + p;
  const std::string url = "http://" + HostPort(address, port) + p;
  if (address.empty()) return FailedPreconditionError("http " + url + ": the host has no address yet");
  HttpClientOptions options;
  options.max_retries = 0;
  options.timeout = std::chrono::milliseconds(TimeoutMillis(timeout));
  options.connect_timeout = options.timeout;
  options.user_agent = "kelola-health-check";
  HttpClient client(options);
  ClientRequest request;
  request.url = url;
  request.retry = false;
  auto response = client.Send(request);
  if (!response.ok()) {
    // The client's message starts "GET <url>: " already.
    std::string why = response.status().message();
    const std::string prefix = "GET " + url + ": ";
    if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
    return Status(response.status().code(), "http " + url + ": " + why);
  }
  if (response->status < 200 || response->status > 299) {
    return UnavailableError("http " + url + ": HTTP " + std::to_string(response->status));
  }
  return OkStatus();
}

NetworkHealthChecker::NetworkHealthChecker(NetworkHealthCheckerOptions options) : options_(std::move(options)) {}

Status NetworkHealthChecker::Check(const HealthCheckSpec& spec, const Resource& host) {
  switch (spec.kind) {
    case HealthCheckSpec::Kind::kNone: return OkStatus();
    case HealthCheckSpec::Kind::kCommand: return CheckCommand(spec, host);
    case HealthCheckSpec::Kind::kTcp:
    case HealthCheckSpec::Kind::kHttp: break;
  }
  // TCP/HTTP need only the address: a Host without SSH credentials is fine.
  std::string address;
  try {
    address = nlohmann::json::parse(host.spec_json).value("address", "");
  } catch (const std::exception& e) {
    return InvalidArgumentError("Host/" + host.name + ": malformed spec: " + e.what());
  }
  if (spec.kind == HealthCheckSpec::Kind::kTcp) return CheckTcp(address, spec.port, spec.timeout);
  return CheckHttp(address, spec.port, spec.path, spec.timeout);
}

Status NetworkHealthChecker::CheckCommand(const HealthCheckSpec& spec, const Resource& host) {
  const std::string what = "command `" + spec.command + "`";
  KELOLA_ASSIGN_OR_RETURN(FleetInventory inventory, FleetInventoryFromHosts({host}, options_.known_hosts_path));
  if (inventory.hosts.empty()) return FailedPreconditionError("Host/" + host.name + " is not a Host");
  KELOLA_ASSIGN_OR_RETURN(SshOptions ssh, SshOptionsForHost(inventory, inventory.hosts[0], options_.resolver));
  ssh.connect_timeout = spec.timeout;
  auto session = SshSession::Connect(ssh);
  if (!session.ok()) return Status(session.status().code(), what + ": " + session.status().message());
  ExecOptions exec;
  exec.timeout = spec.timeout;
  exec.max_captured_bytes = 64u << 10;
  auto run = (*session)->Exec(spec.command, exec);
  if (!run.ok()) return Status(run.status().code(), what + ": " + run.status().message());
  if (run->ok()) return OkStatus();
  std::string message = what + " " + run->Describe();
  const std::string tail = Tail(run->err.empty() ? run->out : run->err, 300);
  if (!tail.empty()) message += ": " + tail;
  return UnavailableError(message);
}

}  // namespace kelola
