#include "integrations/docker/nginx_site.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

TEST(NginxSiteTest, RendersOneUpstreamBehindTheProxyPort) {
  auto text = RenderNginxSite({.target = "web", .release = "web-7", .listen_port = 8080, .upstream = "172.20.0.5:80"});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("upstream kelola_web {\n  server 172.20.0.5:80;\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("listen 8080 default_server;"), std::string::npos);
  EXPECT_NE(text->find("proxy_pass http://kelola_web;"), std::string::npos);
  EXPECT_NE(text->find("add_header X-Kelola-Release web-7 always;"), std::string::npos);
  // Exactly one upstream server: traffic goes to one release at a time.
  EXPECT_EQ(text->find("server 172"), text->rfind("server 172"));
}

TEST(NginxSiteTest, UpstreamNamesAreNginxIdentifiers) {
  auto text = RenderNginxSite({.target = "api.v2-eu", .release = "r1", .listen_port = 80, .upstream = "10.0.0.1:3000"});
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("upstream kelola_api_v2_eu {"), std::string::npos) << *text;
  EXPECT_EQ(NginxSitePath("/etc/nginx/conf.d", "api.v2-eu"), "/etc/nginx/conf.d/kelola-api.v2-eu.conf");
}

TEST(NginxSiteTest, RefusesWhatCouldInjectConfig) {
  const NginxSite good{.target = "web", .release = "web-1", .listen_port = 80, .upstream = "10.0.0.2:80"};
  struct Case {
    NginxSite site;
    const char* names;
  };
  std::vector<Case> cases;
  auto with = [&](auto change, const char* names) {
    NginxSite s = good;
    change(s);
    cases.push_back({s, names});
  };
  with([](NginxSite& s) { s.target = "web; include /etc/passwd"; }, "target");
  with([](NginxSite& s) { s.target = ""; }, "target");
  with([](NginxSite& s) { s.release = "r1 always;\n}"; }, "release");
  with([](NginxSite& s) { s.listen_port = 0; }, "listen port");
  with([](NginxSite& s) { s.listen_port = 70000; }, "listen port");
  with([](NginxSite& s) { s.upstream = "10.0.0.2"; }, "upstream");
  with([](NginxSite& s) { s.upstream = "example.com:80"; }, "upstream");
  with([](NginxSite& s) { s.upstream = "10.0.0.2:80;"; }, "upstream");
  with([](NginxSite& s) { s.upstream = "10.0.0.2:0"; }, "upstream");
  for (const Case& c : cases) {
    auto r = RenderNginxSite(c.site);
    ASSERT_FALSE(r.ok()) << c.names;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.names), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace kelola::docker
