// InProcessApi: for src/api tests — a real HttpServer on a free loopback
// port with the API routes, a SQLite store in a temp dir, a FakeClock, and
// an operator and a viewer token; Call() sends one request.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "api/api_server.h"
#include "api/auth.h"
#include "net/http_client.h"

namespace kelola {

class InProcessApi {
 public:
  InProcessApi() {
    static std::atomic<int> counter{0};
    dir = std::filesystem::temp_directory_path() /
          ("kelola-api-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
    store = std::move(OpenSqliteStore((dir / "kelola.db").string(), clock).value());
    sealer = std::make_unique<SecretSealer>(*store, std::move(SecretBox::Create(std::string(32, 'm')).value()));
    ctx = std::make_unique<ApiContext>(
        ApiContext{*store, clock, kinds, *sealer, "test", [] { return std::string(); }, nullptr, &shutting_down});
    server = std::make_unique<HttpServer>(HttpServerOptions{});
    RegisterApiRoutes(*server, *ctx);
    operator_token = IssueToken(*store, clock, "ops", Role::kOperator).value().plaintext;
    viewer_token = IssueToken(*store, clock, "dash", Role::kViewer).value().plaintext;
  }
  ~InProcessApi() {
    shutting_down = true;
    server->Stop();
    std::filesystem::remove_all(dir);
  }
  // After registering any extra routes on `server`.
  void Start() {
    ASSERT_TRUE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ClientResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                      const std::string& token = "") {
    ClientRequest req;
    req.method = method;
    req.url = base + path;
    req.headers["Authorization"] = "Bearer " + (token.empty() ? operator_token : token);
    if (!body.empty()) req.headers["Content-Type"] = "application/json";
    req.body = body;
    auto r = client.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }

  std::filesystem::path dir;
  FakeClock clock;
  KindRegistry kinds = BuiltinKinds();
  std::atomic<bool> shutting_down{false};
  std::unique_ptr<Store> store;
  std::unique_ptr<SecretSealer> sealer;
  std::unique_ptr<ApiContext> ctx;
  std::unique_ptr<HttpServer> server;
  HttpClient client{HttpClientOptions{.max_retries = 0}};
  std::string base, operator_token, viewer_token;
};

}  // namespace kelola
