// HttpClient against the real HttpServer on loopback, plus a raw unix-socket
// server for CURLOPT_UNIX_SOCKET_PATH. Backoffs are a few milliseconds.
#include "net/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "net/http_server.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;

HttpClientOptions FastRetries() {
  HttpClientOptions o;
  o.max_retries = 3;
  o.initial_backoff = milliseconds(1);
  o.max_backoff = milliseconds(5);
  o.timeout = milliseconds(10'000);
  return o;
}

HttpServerOptions ServerOptions() {
  HttpServerOptions o;
  o.io_threads = 2;
  return o;
}

ClientRequest Request(const HttpServer& server, const std::string& method, const std::string& path) {
  ClientRequest r;
  r.method = method;
  r.url = "http://127.0.0.1:" + std::to_string(server.port()) + path;
  return r;
}

// A port nobody listens on: bound by us, then closed.
uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Answers 503 until `failures` requests were refused, then 200.
class FlakyServer {
 public:
  explicit FlakyServer(int failures, std::string retry_after = "") : server_(ServerOptions()) {
    server_.Route("*", "/flaky", [this, failures, retry_after](HttpRequest&) {
      const int n = ++attempts_;
      if (n <= failures) {
        HttpResponse r = HttpResponse::Error(503, "UNAVAILABLE", "try later");
        if (!retry_after.empty()) r.headers["Retry-After"] = retry_after;
        return r;
      }
      return HttpResponse::Json(200, R"({"ok":true})");
    });
    EXPECT_TRUE(server_.Start().ok());
  }
  const HttpServer& server() const { return server_; }
  int attempts() const { return attempts_.load(); }

 private:
  std::atomic<int> attempts_{0};
  HttpServer server_;
};

TEST(HttpClientTest, RetriesIdempotentRequestOn503ThenSucceeds) {
  FlakyServer flaky(2);
  HttpClient client(FastRetries());
  auto res = client.Send(Request(flaky.server(), "GET", "/flaky"));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(flaky.attempts(), 3);
}

TEST(HttpClientTest, GivesUpAfterMaxRetriesAndReturnsTheLastAnswer) {
  FlakyServer flaky(100);
  HttpClient client(FastRetries());
  auto res = client.Send(Request(flaky.server(), "PUT", "/flaky"));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(flaky.attempts(), 4);  // 1 + max_retries
}

TEST(HttpClientTest, NoRetryForPostUnlessForced) {
  FlakyServer flaky(1);
  HttpClient client(FastRetries());
  ClientRequest post = Request(flaky.server(), "POST", "/flaky");
  post.body = "{}";
  auto res = client.Send(post);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(flaky.attempts(), 1);

  post.retry = true;
  auto forced = client.Send(post);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->status, 200);
  EXPECT_EQ(flaky.attempts(), 2);
}

TEST(HttpClientTest, RetryCanBeTurnedOffForIdempotentRequests) {
  FlakyServer flaky(1);
  HttpClient client(FastRetries());
  ClientRequest get = Request(flaky.server(), "GET", "/flaky");
  get.retry = false;
  auto single = client.Send(get);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->status, 503);
  EXPECT_EQ(flaky.attempts(), 1);
}

TEST(HttpClientTest, RetryAfterIsHonouredButCappedAtMaxBackoff) {
  FlakyServer flaky(1, "3600");  // an hour, capped at max_backoff (5 ms)
  HttpClient client(FastRetries());
  const auto start = std::chrono::steady_clock::now();
  auto res = client.Send(Request(flaky.server(), "GET", "/flaky"));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(flaky.attempts(), 2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  HttpClient client(FastRetries());
  ClientRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/x?token=secret";
  auto res = client.Send(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(res.status().message().find("GET http://127.0.0.1:"), std::string::npos);
  EXPECT_EQ(res.status().message().find("secret"), std::string::npos);  // no query in errors
}

TEST(HttpClientTest, TimeoutIsDeadlineExceeded) {
  HttpServer server(ServerOptions());
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  server.Route("GET", "/hang", [&](HttpRequest&) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return HttpResponse::Text(200, "late");
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(FastRetries());
  ClientRequest r = Request(server, "GET", "/hang");
  r.timeout = milliseconds(100);
  auto res = client.Send(r);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kDeadlineExceeded) << res.status().ToString();
}

TEST(HttpClientTest, SendsMethodHeadersAndBodyWithoutFormDefaults) {
  HttpServer server(ServerOptions());
  server.Route("*", "/inspect", [](HttpRequest& req) {
    HttpResponse r = HttpResponse::Text(200, req.body);
    r.headers["X-Method"] = req.method;
    r.headers["X-Content-Type"] = req.Header("Content-Type");
    r.headers["X-Custom"] = req.Header("X-Custom");
    r.headers["X-User-Agent"] = req.Header("User-Agent");
    r.headers["X-Content-Length"] = req.Header("Content-Length");
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(FastRetries());

  ClientRequest patch = Request(server, "PATCH", "/inspect");
  patch.headers["x-custom"] = "v1";
  patch.body = std::string(2 * 1024 * 1024, 'p');
  auto res = client.Send(patch);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->headers["X-Method"], "PATCH");
  EXPECT_EQ(res->headers["X-Content-Type"], "");  // not application/x-www-form-urlencoded
  EXPECT_EQ(res->headers["X-Custom"], "v1");
  EXPECT_EQ(res->headers["X-User-Agent"], "kelola");
  EXPECT_EQ(res->body.size(), patch.body.size());

  ClientRequest empty_put = Request(server, "PUT", "/inspect");
  auto put = client.Send(empty_put);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->headers["X-Method"], "PUT");
  EXPECT_EQ(put->headers["X-Content-Length"], "0");

  ClientRequest del = Request(server, "DELETE", "/inspect");
  auto d = client.Send(del);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->headers["X-Method"], "DELETE");
}

TEST(HttpClientTest, RejectsInjectionInMethodHeadersAndUrl) {
  HttpClient client(FastRetries());
  ClientRequest r;
  r.url = "http://127.0.0.1:1/";
  r.headers["X-Evil"] = "a\r\nHost: other";
  EXPECT_EQ(client.Send(r).status().code(), StatusCode::kInvalidArgument);
  r.headers.clear();
  r.method = "GET /x HTTP/1.1\r\n";
  EXPECT_EQ(client.Send(r).status().code(), StatusCode::kInvalidArgument);
  r.method = "GET";
  r.url = "http://127.0.0.1:1/ x";
  EXPECT_EQ(client.Send(r).status().code(), StatusCode::kInvalidArgument);
  r.url = "file:///etc/passwd";
  EXPECT_EQ(client.Send(r).status().code(), StatusCode::kInvalidArgument);
  r.url = "";
  EXPECT_EQ(client.Send(r).status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpClientTest, StreamDeliversLastLineWithoutNewlineAndReturnsErrorBodies) {
  HttpServer server(ServerOptions());
  server.Route("GET", "/lines", [](HttpRequest&) { return HttpResponse::Text(200, "a\r\nb\n\nc"); });
  server.Route("GET", "/missing", [](HttpRequest&) { return HttpResponse::Error(404, "NOT_FOUND", "no such stream"); });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(FastRetries());
  std::vector<std::string> lines;
  auto res = client.Stream(Request(server, "GET", "/lines"), [&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  });
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "", "c"}));

  lines.clear();
  auto missing = client.Stream(Request(server, "GET", "/missing"), [&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  });
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("no such stream"), std::string::npos);
  EXPECT_TRUE(lines.empty());
}

TEST(HttpClientTest, KeepGoingAbortsASilentTransferAsCancelled) {
  HttpServer server(ServerOptions());
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  server.Route("GET", "/silent", [&](HttpRequest&) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return HttpResponse::Text(200, "late");
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(FastRetries());
  ClientRequest r = Request(server, "GET", "/silent");
  std::atomic<int> polls{0};
  r.keep_going = [&] { return ++polls < 3; };  // stop on the third poll
  auto res = client.Stream(r, [](std::string_view) { return true; });
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kCancelled) << res.status().ToString();
  EXPECT_GE(polls.load(), 3);
}

TEST(HttpClientTest, StreamBytesHandsOutRawBytesAndBodyFileIsUploaded) {
  HttpServer server(ServerOptions());
  server.Route("POST", "/echo", [](HttpRequest& req) {
    return HttpResponse::Text(200, "len=" + std::to_string(req.body.size()) + "\n" + req.body);
  });
  ASSERT_TRUE(server.Start().ok());
  const std::string path = ::testing::TempDir() + "/http_client_body_file";
  std::string payload(200'000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i % 251);
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(payload.data(), 1, payload.size(), f), payload.size());
    std::fclose(f);
  }
  HttpClient client(FastRetries());
  ClientRequest r = Request(server, "POST", "/echo");
  r.body_file = path;
  r.headers["Content-Type"] = "application/octet-stream";
  std::string received;
  auto res = client.StreamBytes(r, [&](std::string_view chunk) {
    received.append(chunk);
    return true;
  });
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  // Binary bytes, "\r\n" and NULs included, arrive unchanged.
  EXPECT_EQ(received, "len=200000\n" + payload);

  r.body_file = path + ".missing";
  EXPECT_EQ(client.Send(r).status().code(), StatusCode::kNotFound);
  std::remove(path.c_str());
}

TEST(HttpClientTest, ClientIsSafeToShareAcrossThreads) {
  HttpServer server(ServerOptions());
  server.Route("GET", "/n/{n}", [](HttpRequest& req) { return HttpResponse::Text(200, req.path_params["n"]); });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(FastRetries());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string n = std::to_string(t * 100 + i);
        auto res = client.Send(Request(server, "GET", "/n/" + n));
        if (res.ok() && res->body == n) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 100);
}

// A one-shot HTTP server on a unix socket, like the Docker engine's.
class UnixSocketServer {
 public:
  UnixSocketServer() {
    char tmpl[] = "/tmp/kelola-net-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/engine.sock";
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~UnixSocketServer() {
    thread_.join();
    ::close(fd_);
    std::filesystem::remove_all(dir_);
  }
  const std::string& path() const { return path_; }
  // Valid after the client got its answer.
  const std::string& request() const { return request_; }

 private:
  void Serve() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<size_t>(n));
    }
    const std::string reply =
        "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
        "Content-Length: 2\r\nConnection: close\r\n\r\nOK";
    ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  std::string dir_;
  std::string path_;
  int fd_ = -1;
  std::string request_;
  std::thread thread_;
};

TEST(HttpClientTest, TalksOverAUnixSocket) {
  UnixSocketServer engine;
  HttpClientOptions o = FastRetries();
  o.unix_socket = engine.path();
  HttpClient client(o);
  ClientRequest r;
  r.url = "http://localhost/_ping";
  auto res = client.Send(r);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "OK");
  EXPECT_EQ(res->headers["api-version"], "1.41");
  EXPECT_EQ(engine.request().rfind("GET /_ping HTTP/1.1\r\n", 0), 0u) << engine.request();
  EXPECT_NE(engine.request().find("Host: localhost"), std::string::npos);
}

}  // namespace
}  // namespace kelola
