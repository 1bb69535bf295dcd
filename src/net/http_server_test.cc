// HttpServer against the real HttpClient (and raw sockets for what no
// well-behaved client sends), on a loopback port picked by the kernel.
#include "net/http_server.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "net/raw_http_for_test.h"

namespace kelola {
namespace {

using std::chrono::milliseconds;
using testing::RawConnection;

HttpServerOptions TestOptions() {
  HttpServerOptions o;
  o.io_threads = 2;
  return o;
}

HttpClientOptions NoRetries() {
  HttpClientOptions o;
  o.max_retries = 0;
  o.timeout = milliseconds(10'000);
  return o;
}

std::string Url(const HttpServer& server, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + path;
}

ClientRequest Get(const HttpServer& server, const std::string& path) {
  ClientRequest r;
  r.url = Url(server, path);
  return r;
}

std::string ErrorCode(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("error")) return "<not an error body: " + body + ">";
  EXPECT_TRUE(j["error"]["message"].is_string());
  EXPECT_TRUE(j["error"]["details"].is_object());
  return j["error"]["code"].get<std::string>();
}

int ThreadCount() {
  int n = 0;
  DIR* dir = opendir("/proc/self/task");
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n;
}

// Fires once; lets a handler block until the test releases it.
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(HttpServerTest, RoutesWithParamsAndQuery) {
  HttpServer server(TestOptions());
  server.Route("GET", "/v1/{plural}/{name}", [](HttpRequest& req) {
    nlohmann::json j = {{"plural", req.path_params["plural"]},
                        {"name", req.path_params["name"]},
                        {"limit", req.Query("limit")},
                        {"path", req.path},
                        {"target", req.target},
                        {"remote_is_loopback", req.remote_address.rfind("127.0.0.1:", 0) == 0}};
    return HttpResponse::Json(200, j.dump());
  });
  ASSERT_TRUE(server.Start().ok());
  ASSERT_NE(server.port(), 0);

  HttpClient client(NoRetries());
  auto res = client.Send(Get(server, "/v1/server-groups/web%20one?limit=10"));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->headers["content-type"], "application/json");
  EXPECT_EQ(res->headers["Server"], "kelola");
  auto j = nlohmann::json::parse(res->body);
  EXPECT_EQ(j["plural"], "server-groups");
  EXPECT_EQ(j["name"], "web one");
  EXPECT_EQ(j["limit"], "10");
  EXPECT_EQ(j["path"], "/v1/server-groups/web one");
  EXPECT_EQ(j["target"], "/v1/server-groups/web%20one?limit=10");
  EXPECT_EQ(j["remote_is_loopback"], true);
  EXPECT_EQ(res->headers["Content-Length"], std::to_string(res->body.size()));
}

TEST(HttpServerTest, UnknownPathIs404AndWrongMethodIs405InErrorShape) {
  HttpServer server(TestOptions());
  server.Route("GET", "/v1/hosts", [](HttpRequest&) { return HttpResponse::Json(200, "[]"); });
  server.Route("POST", "/v1/hosts", [](HttpRequest&) { return HttpResponse::Json(201, "{}"); });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());

  auto not_found = client.Send(Get(server, "/v1/nothing"));
  ASSERT_TRUE(not_found.ok());
  EXPECT_EQ(not_found->status, 404);
  EXPECT_EQ(ErrorCode(not_found->body), "NOT_FOUND");

  ClientRequest del = Get(server, "/v1/hosts");
  del.method = "DELETE";
  auto not_allowed = client.Send(del);
  ASSERT_TRUE(not_allowed.ok());
  EXPECT_EQ(not_allowed->status, 405);
  EXPECT_EQ(ErrorCode(not_allowed->body), "METHOD_NOT_ALLOWED");
  EXPECT_EQ(not_allowed->headers["Allow"], "GET, HEAD, POST");
}

TEST(HttpServerTest, EchoesJsonBody) {
  HttpServer server(TestOptions());
  server.Route("POST", "/echo", [](HttpRequest& req) {
    HttpResponse r = HttpResponse::Json(200, req.body);
    r.headers["X-Seen-Content-Type"] = req.Header("content-type");
    r.headers["X-Seen-Expect"] = req.Header("Expect");
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());
  ClientRequest post = Get(server, "/echo");
  post.method = "POST";
  post.headers["Content-Type"] = "application/json";
  post.body = nlohmann::json({{"name", "web"}, {"replicas", 3}, {"blob", std::string(300'000, 'x')}}).dump();
  auto res = client.Send(post);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, post.body);
  EXPECT_EQ(res->headers["X-Seen-Content-Type"], "application/json");
  EXPECT_EQ(res->headers["X-Seen-Expect"], "");  // the client never waits for 100 Continue
}

TEST(HttpServerTest, OversizedBodyGets413) {
  HttpServerOptions o = TestOptions();
  o.max_body_bytes = 1024;
  HttpServer server(o);
  std::atomic<int> calls{0};
  server.Route("POST", "/upload", [&](HttpRequest&) {
    ++calls;
    return HttpResponse::Json(200, "{}");
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());

  ClientRequest post = Get(server, "/upload");
  post.method = "POST";
  post.body = std::string(1024, 'a');
  auto ok = client.Send(post);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);

  post.body = std::string(4096, 'a');
  auto res = client.Send(post);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(ErrorCode(res->body), "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(calls.load(), 1);

  // A declared length over the limit is refused before the body is sent.
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"));
  const std::string reply = raw.ReadUntilClose();
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
}

TEST(HttpServerTest, KeepAliveReusesTheConnection) {
  HttpServer server(TestOptions());
  server.Route("GET", "/who", [](HttpRequest& req) { return HttpResponse::Text(200, req.remote_address); });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());
  auto first = client.Send(Get(server, "/who"));
  auto second = client.Send(Get(server, "/who"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->body, second->body);  // same client port: same connection

  RawConnection raw(server.port());
  ASSERT_TRUE(raw.Send("GET /who HTTP/1.1\r\nHost: x\r\n\r\nGET /who HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string a = raw.ReadResponse();
  const std::string b = raw.ReadResponse();  // pipelined on the same connection
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0u) << a;
  EXPECT_EQ(b.rfind("HTTP/1.1 200", 0), 0u) << b;
  ASSERT_TRUE(raw.Send("GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const std::string last = raw.ReadUntilClose();
  EXPECT_NE(last.find("Connection: close"), std::string::npos) << last;
  EXPECT_TRUE(raw.closed_by_peer());
}

TEST(HttpServerTest, HeadUsesTheGetRouteWithoutBody) {
  HttpServer server(TestOptions());
  server.Route("GET", "/doc", [](HttpRequest&) { return HttpResponse::Text(200, "hello world"); });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());
  ClientRequest head = Get(server, "/doc");
  head.method = "HEAD";
  auto res = client.Send(head);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->headers["Content-Length"], "11");
  EXPECT_EQ(res->body, "");
}

TEST(HttpServerTest, StreamsLinesToTheClient) {
  HttpServer server(TestOptions());
  server.Route("GET", "/events", [](HttpRequest&) {
    HttpResponse r;
    r.headers["Content-Type"] = "text/event-stream";
    r.stream = [n = 0](std::string& out) mutable {
      if (n == 3) return false;
      // Lines split across chunks must be reassembled by the client.
      out = n == 1 ? "data: ev" : (n == 2 ? "ent-1\n\ndata: event-2\n\n" : "data: event-0\n\n");
      ++n;
      return true;
    };
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());
  std::vector<std::string> lines;
  auto res = client.Stream(Get(server, "/events"), [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  });
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->headers["Content-Type"], "text/event-stream");
  EXPECT_EQ(res->headers["Transfer-Encoding"], "chunked");
  EXPECT_EQ(res->body, "");
  EXPECT_EQ(lines, (std::vector<std::string>{"data: event-0", "", "data: event-1", "", "data: event-2", ""}));

  ClientRequest head = Get(server, "/events");
  head.method = "HEAD";
  auto head_res = client.Send(head);  // headers only, no producer run
  ASSERT_TRUE(head_res.ok()) << head_res.status().ToString();
  EXPECT_EQ(head_res->status, 200);
  EXPECT_EQ(head_res->body, "");
}

TEST(HttpServerTest, StreamProducerIsReleasedWhenTheClientLeaves) {
  HttpServer server(TestOptions());
  auto released = std::make_shared<std::promise<void>>();
  struct Sentinel {
    explicit Sentinel(std::shared_ptr<std::promise<void>> d) : done(std::move(d)) {}
    ~Sentinel() { done->set_value(); }
    std::shared_ptr<std::promise<void>> done;
  };
  server.Route("GET", "/forever", [&](HttpRequest&) {
    HttpResponse r;
    r.stream = [sentinel = std::make_shared<Sentinel>(released), n = 0](std::string& out) mutable {
      out = "tick " + std::to_string(n++) + "\n";
      return true;
    };
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());
  int seen = 0;
  auto res = client.Stream(Get(server, "/forever"), [&](std::string_view) { return ++seen < 3; });
  ASSERT_TRUE(res.ok()) << res.status().ToString();  // stopping early is not an error
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(released->get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(HttpServerTest, StopEndsStreamsAndReturns) {
  HttpServer server(TestOptions());
  std::mutex mu;
  std::condition_variable cv;
  server.Route("GET", "/follow", [&](HttpRequest&) {
    HttpResponse r;
    r.stream = [&, first = true](std::string& out) mutable {
      if (first) {
        first = false;
        out = "data: ready\n";
        return true;
      }
      // Nothing new: wait a little, as the producer contract asks.
      std::unique_lock lock(mu);
      cv.wait_for(lock, milliseconds(20));
      return true;
    };
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  std::promise<void> ready;
  Result<ClientResponse> res = InternalError("not run");
  std::thread follower([&] {
    HttpClient client(NoRetries());
    res = client.Stream(Get(server, "/follow"), [&](std::string_view line) {
      if (line == "data: ready") ready.set_value();
      return true;
    });
  });
  ready.get_future().wait();
  server.Stop();
  follower.join();
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
}

TEST(HttpServerTest, StopDrainsAnInFlightRequest) {
  HttpServerOptions o = TestOptions();
  o.drain_timeout = milliseconds(30'000);
  HttpServer server(o);
  std::promise<void> entered;
  Gate release;
  server.Route("GET", "/slow", [&](HttpRequest&) {
    entered.set_value();
    release.Wait();
    return HttpResponse::Json(200, R"({"done":true})");
  });
  ASSERT_TRUE(server.Start().ok());
  const uint16_t port = server.port();

  Result<ClientResponse> res = InternalError("not run");
  std::thread caller([&] {
    HttpClient client(NoRetries());
    res = client.Send(Get(server, "/slow"));
  });
  entered.get_future().wait();
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server.Stop();
    stopped = true;
  });
  // Stop() closes the listener first: wait until connecting is refused.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (RawConnection(port).connected()) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "listener still open";
    std::this_thread::yield();
  }
  EXPECT_FALSE(stopped.load()) << "Stop() returned while a request was in flight";
  release.Open();
  caller.join();
  stopper.join();
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"done":true})");
  EXPECT_EQ(res->headers["Connection"], "close");
  server.Stop();  // idempotent
}

TEST(HttpServerTest, StopClosesIdleKeepAliveConnections) {
  HttpServer server(TestOptions());
  server.Route("GET", "/", [](HttpRequest&) { return HttpResponse::Text(200, "ok"); });
  ASSERT_TRUE(server.Start().ok());
  RawConnection idle(server.port());
  ASSERT_TRUE(idle.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(idle.ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
  const auto start = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(idle.ReadUntilClose(), "");
  EXPECT_TRUE(idle.closed_by_peer());
}

TEST(HttpServerTest, MalformedRequestsGet400AndTheServerKeepsServing) {
  HttpServerOptions o = TestOptions();
  o.max_header_bytes = 1024;
  HttpServer server(o);
  server.Route("GET", "/", [](HttpRequest&) { return HttpResponse::Text(200, "ok"); });
  ASSERT_TRUE(server.Start().ok());

  const std::vector<std::string> garbage = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/9\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n",
  };
  for (const std::string& g : garbage) {
    RawConnection raw(server.port());
    ASSERT_TRUE(raw.Send(g));
    const std::string reply = raw.ReadUntilClose();
    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
    EXPECT_NE(reply.find("BAD_REQUEST"), std::string::npos) << reply;
  }
  RawConnection big(server.port());
  ASSERT_TRUE(big.Send("GET / HTTP/1.1\r\nX-Big: " + std::string(4096, 'b') + "\r\n\r\n"));
  const std::string reply = big.ReadUntilClose();
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply;

  HttpClient client(NoRetries());
  auto res = client.Send(Get(server, "/"));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 200);
}

TEST(HttpServerTest, AnswersExpect100Continue) {
  HttpServer server(TestOptions());
  server.Route("POST", "/echo", [](HttpRequest& req) { return HttpResponse::Text(200, req.body); });
  ASSERT_TRUE(server.Start().ok());
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(raw.ReadResponse(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(raw.Send("hello"));
  const std::string reply = raw.ReadResponse();
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_EQ(reply.substr(reply.size() - 5), "hello");
}

TEST(HttpServerTest, PartialRequestTimesOutWith408) {
  HttpServerOptions o = TestOptions();
  o.read_timeout = milliseconds(200);
  HttpServer server(o);
  server.Route("GET", "/", [](HttpRequest&) { return HttpResponse::Text(200, "ok"); });
  ASSERT_TRUE(server.Start().ok());
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: x\r\n"));  // never finished
  const std::string reply = raw.ReadUntilClose();
  EXPECT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  EXPECT_NE(reply.find("REQUEST_TIMEOUT"), std::string::npos);
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  HttpServerOptions o = TestOptions();
  o.idle_timeout = milliseconds(200);
  HttpServer server(o);
  server.Route("GET", "/", [](HttpRequest&) { return HttpResponse::Text(200, "ok"); });
  ASSERT_TRUE(server.Start().ok());
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(raw.ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(raw.ReadUntilClose(), "");
  EXPECT_TRUE(raw.closed_by_peer());
}

TEST(HttpServerTest, SlowReaderIsCutAfterWriteTimeout) {
  HttpServerOptions o = TestOptions();
  o.write_timeout = milliseconds(200);
  HttpServer server(o);
  server.Route("GET", "/big", [](HttpRequest&) { return HttpResponse::Text(200, std::string(64 * 1024 * 1024, 'z')); });
  std::promise<int> reported;
  server.OnResponse([&](const std::string&, const std::string&, int status, double) { reported.set_value(status); });
  ASSERT_TRUE(server.Start().ok());
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The client reads nothing; the write must be abandoned, not hang.
  auto f = reported.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const std::string got = raw.ReadUntilClose();
  EXPECT_LT(got.size(), 64u * 1024 * 1024);
}

TEST(HttpServerTest, OnResponseReportsRouteStatusAndDuration) {
  HttpServer server(TestOptions());
  server.Route("GET", "/v1/hosts/{name}", [](HttpRequest&) { return HttpResponse::Json(200, "{}"); });
  std::mutex mu;
  std::vector<std::tuple<std::string, std::string, int, double>> seen;
  server.OnResponse([&](const std::string& m, const std::string& p, int s, double secs) {
    std::lock_guard lock(mu);
    seen.emplace_back(m, p, s, secs);
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());
  ASSERT_TRUE(client.Send(Get(server, "/v1/hosts/web-1")).ok());
  ASSERT_TRUE(client.Send(Get(server, "/nope")).ok());
  server.Stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(std::get<0>(seen[0]), "GET");
  EXPECT_EQ(std::get<1>(seen[0]), "/v1/hosts/{name}");
  EXPECT_EQ(std::get<2>(seen[0]), 200);
  EXPECT_GE(std::get<3>(seen[0]), 0.0);
  EXPECT_EQ(std::get<1>(seen[1]), "");
  EXPECT_EQ(std::get<2>(seen[1]), 404);
}

TEST(HttpServerTest, HandlerExceptionBecomes500) {
  HttpServer server(TestOptions());
  server.Route("GET", "/boom", [](HttpRequest&) -> HttpResponse { throw std::runtime_error("x"); });
  server.Route("GET", "/odd", [](HttpRequest&) {
    HttpResponse r = HttpResponse::Text(200, "ok");
    r.headers["X-Injected"] = "a\r\nSet-Cookie: evil=1";
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(NoRetries());
  auto res = client.Send(Get(server, "/boom"));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(ErrorCode(res->body), "INTERNAL");
  auto odd = client.Send(Get(server, "/odd"));
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->status, 200);
  EXPECT_EQ(odd->headers.count("X-Injected"), 0u);
  EXPECT_EQ(odd->headers.count("Set-Cookie"), 0u);
}

TEST(HttpServerTest, HoldsManyIdleKeepAliveConnectionsWithoutThreads) {
  HttpServer server(TestOptions());
  server.Route("GET", "/", [](HttpRequest&) { return HttpResponse::Text(200, "ok"); });
  ASSERT_TRUE(server.Start().ok());
  const int threads_before = ThreadCount();
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < 500; ++i) {
    auto c = std::make_unique<RawConnection>(server.port());
    ASSERT_TRUE(c->connected()) << i;
    ASSERT_TRUE(c->Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(c->ReadResponse().rfind("HTTP/1.1 200", 0), 0u) << i;
    conns.push_back(std::move(c));
  }
  EXPECT_EQ(ThreadCount(), threads_before);
  // All of them are still alive and served.
  for (auto& c : conns) {
    ASSERT_TRUE(c->Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(c->ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
  }
}

TEST(HttpServerTest, StartReportsBadConfiguration) {
  HttpServer bad_route(TestOptions());
  bad_route.Route("GET", "no-slash", [](HttpRequest&) { return HttpResponse::Text(200, ""); });
  Status s = bad_route.Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no-slash"), std::string::npos);

  HttpServerOptions half_tls = TestOptions();
  half_tls.tls_cert_file = "/nonexistent/cert.pem";
  EXPECT_EQ(HttpServer(half_tls).Start().code(), StatusCode::kInvalidArgument);

  HttpServerOptions missing_files = TestOptions();
  missing_files.tls_cert_file = "/nonexistent/cert.pem";
  missing_files.tls_key_file = "/nonexistent/key.pem";
  Status tls = HttpServer(missing_files).Start();
  EXPECT_EQ(tls.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tls.message().find("/nonexistent/cert.pem"), std::string::npos);

  HttpServer first(TestOptions());
  ASSERT_TRUE(first.Start().ok());
  HttpServerOptions same_port = TestOptions();
  same_port.port = first.port();
  HttpServer second(same_port);
  EXPECT_EQ(second.Start().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace kelola
