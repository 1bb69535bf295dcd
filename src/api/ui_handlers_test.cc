#include "api/ui_handlers.h"

#include <gtest/gtest.h>

#include <string>

#include "net/http_client.h"
#include "net/raw_http_for_test.h"

namespace kelola {
namespace {

UiAssets Built() {
  return UiAssets{{{"index.html", "<!doctype html><div id=app></div>"},
                   {"assets/index-abc123.js", "console.log(1)"},
                   {"assets/index-abc123.css", "body{}"},
                   {"favicon.svg", "<svg/>"}},
                  ""};
}

HttpRequest Get(const std::string& target) {
  HttpRequest r;
  r.method = "GET";
  r.target = target;
  r.path = PercentDecode(target.substr(0, target.find('?')), false);
  return r;
}

TEST(UiContentType, ByExtension) {
  EXPECT_EQ(UiContentType("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(UiContentType("assets/a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(UiContentType("assets/a.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(UiContentType("x.svg"), "image/svg+xml");
  EXPECT_EQ(UiContentType("x.woff2"), "font/woff2");
  EXPECT_EQ(UiContentType("x.json"), "application/json");
  EXPECT_EQ(UiContentType("noext"), "application/octet-stream");
}

TEST(ServeUi, RootIsIndexAndRevalidates) {
  const UiAssets a = Built();
  HttpResponse r = ServeUi(a, Get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><div id=app></div>");
  EXPECT_EQ(r.headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_EQ(r.headers["Cache-Control"], "no-cache");
  EXPECT_EQ(r.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_NE(r.headers["Content-Security-Policy"].find("connect-src 'self'"), std::string::npos);
}

TEST(ServeUi, HashedAssetsAreImmutableWithTheirType) {
  const UiAssets a = Built();
  HttpResponse js = ServeUi(a, Get("/assets/index-abc123.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers["Cache-Control"], "public, max-age=31536000, immutable");
  HttpResponse css = ServeUi(a, Get("/assets/index-abc123.css?v=1"));
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.headers["Content-Type"], "text/css; charset=utf-8");
  HttpResponse icon = ServeUi(a, Get("/favicon.svg"));
  EXPECT_EQ(icon.headers["Content-Type"], "image/svg+xml");
  EXPECT_EQ(icon.headers["Cache-Control"], "no-cache");
}

TEST(ServeUi, ClientRoutesGetIndexMissingFilesGet404) {
  const UiAssets a = Built();
  for (const char* route : {"/fleet", "/runs/r-123", "/logs/templates", "/index"}) {
    HttpResponse r = ServeUi(a, Get(route));
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.body, "<!doctype html><div id=app></div>") << route;
  }
  HttpResponse missing = ServeUi(a, Get("/assets/gone-111.js"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("/assets/gone-111.js"), std::string::npos);
}

TEST(ServeUi, ApiPathsStayApi404s) {
  const UiAssets a = Built();
  for (const char* p : {"/v1", "/v1/nothing/here/at/all", "/loki/api/v2/x", "/_cluster/health"}) {
    HttpResponse r = ServeUi(a, Get(p));
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_NE(r.body.find("\"NOT_FOUND\""), std::string::npos) << p;
  }
}

TEST(ServeUi, TraversalIsRefused) {
  const UiAssets a = Built();
  for (const char* p : {"/../etc/passwd", "/assets/../index.html", "/%2e%2e/etc/passwd", "/%2E%2E/x", "/.%2e/x",
                        "/assets/%2e%2e/%2e%2e/x", "/./index.html", "/a%2fb", "/a%5c..%5cb", "/a%00.js",
                        "/assets//x.js", "/..", "/%2e"}) {
    HttpResponse r = ServeUi(a, Get(p));
    EXPECT_EQ(r.status, 400) << p;
    EXPECT_NE(r.body.find("bad path"), std::string::npos) << p;
  }
}

TEST(ServeUi, NotBuiltSaysHowToBuild) {
  const UiAssets none{{}, "npm packages are not installed in web/"};
  HttpResponse r = ServeUi(none, Get("/"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("npm packages are not installed in web/"), std::string::npos);
  EXPECT_NE(r.body.find("scripts/install-deps"), std::string::npos);
  EXPECT_EQ(ServeUi(none, Get("/v1/x/y/z")).status, 404);
}

class UiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Route("GET", "/v1/version", [](HttpRequest&) { return HttpResponse::Json(200, R"({"v":1})"); });
    RegisterUiRoutes(server_, assets_, [](HttpRequest&) { return HttpResponse::Json(200, R"({"banner":true})"); });
    ASSERT_TRUE(server_.Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_.port());
  }
  ClientResponse Call(const std::string& method, const std::string& path, HeaderMap headers = {}) {
    ClientRequest req;
    req.method = method;
    req.url = base_ + path;
    req.headers = std::move(headers);
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }
  std::string Raw(const std::string& target) {
    testing::RawConnection c(server_.port());
    EXPECT_TRUE(c.connected());
    c.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return c.ReadUntilClose();
  }

  UiAssets assets_ = Built();
  HttpServer server_{HttpServerOptions{}};
  HttpClient client_{HttpClientOptions{.max_retries = 0}};
  std::string base_;
};

TEST_F(UiServerTest, BrowsersGetTheUiAtRootOthersTheFallback) {
  auto browser = Call("GET", "/", {{"Accept", "text/html,application/xhtml+xml"}});
  EXPECT_EQ(browser.status, 200);
  EXPECT_EQ(browser.body, "<!doctype html><div id=app></div>");
  auto shipper = Call("GET", "/", {{"Accept", "application/json"}});
  EXPECT_EQ(shipper.body, R"({"banner":true})");
  auto with_token = Call("GET", "/", {{"Accept", "text/html"}, {"Authorization", "Bearer kl_x_y"}});
  EXPECT_EQ(with_token.body, R"({"banner":true})");
}

TEST_F(UiServerTest, FallbackServesFilesAndRoutesButNotOtherMethods) {
  auto js = Call("GET", "/assets/index-abc123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(Call("GET", "/runs/abc").status, 200);
  EXPECT_EQ(Call("GET", "/v1/version").body, R"({"v":1})");
  EXPECT_EQ(Call("GET", "/v1/unknown").status, 404);
  EXPECT_EQ(Call("POST", "/fleet").status, 404);  // only GET/HEAD fall back
  EXPECT_EQ(Call("HEAD", "/fleet").status, 200);
}

TEST_F(UiServerTest, TraversalOnTheWireIsRefused) {
  for (const char* target : {"/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fetc/passwd"}) {
    const std::string reply = Raw(target);
    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << target << ": " << reply.substr(0, 80);
  }
}

}  // namespace
}  // namespace kelola
