// Test helpers for the notifiers: a local HTTP receiver that records every
// request and answers from a script, and a TCP listener that never answers
// (a receiver that times out). Tests only; header-only so that the notifier
// libraries do not carry them.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/http_server.h"

namespace kelola::testing {

struct ReceivedRequest {
  std::string method, path, target, body;
  HeaderMap headers;
};

// Records requests to any path; answers with the scripted responses in
// order, then with `fallback` (200 "ok").
class RecordingReceiver {
 public:
  RecordingReceiver() : server_(HttpServerOptions{.io_threads = 2}) {
    server_.Route("*", "/{a}", [this](HttpRequest& r) { return Handle(r); });
    server_.Route("*", "/{a}/{b}", [this](HttpRequest& r) { return Handle(r); });
    server_.Route("*", "/{a}/{b}/{c}", [this](HttpRequest& r) { return Handle(r); });
    server_.Route("*", "/{a}/{b}/{c}/{d}", [this](HttpRequest& r) { return Handle(r); });
    server_.Route("*", "/{a}/{b}/{c}/{d}/{e}", [this](HttpRequest& r) { return Handle(r); });
    started_ = server_.Start().ok();
  }

  bool started() const { return started_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server_.port()) + path; }
  uint16_t port() const { return server_.port(); }

  void Answer(HttpResponse response) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(response));
  }
  void SetFallback(HttpResponse response) {
    std::lock_guard lock(mu_);
    fallback_ = std::move(response);
  }
  // Replaces scripting with a function of the request.
  void SetHandler(std::function<HttpResponse(const HttpRequest&)> handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  HttpResponse Handle(HttpRequest& r) {
    std::lock_guard lock(mu_);
    requests_.push_back({r.method, r.path, r.target, r.body, r.headers});
    if (handler_) return handler_(r);
    if (!script_.empty()) {
      HttpResponse next = std::move(script_.front());
      script_.pop_front();
      return next;
    }
    return fallback_;
  }

  HttpServer server_;
  bool started_ = false;
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
  std::deque<HttpResponse> script_;
  HttpResponse fallback_ = HttpResponse::Text(200, "ok");
  std::function<HttpResponse(const HttpRequest&)> handler_;
};

// Listens on 127.0.0.1 but never accepts: the kernel completes the TCP
// handshake, the request is sent, and no answer ever comes.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd_, 16) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace kelola::testing
