// Routes whose request bodies stream to a file (FileBodyOptions): the body
// lands on disk whatever max_body_bytes says, its own limit gives 413, and
// the file is gone after the handler unless the handler moved it.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "net/http_client.h"
#include "net/http_server.h"

namespace kelola {
namespace {

class HttpFileBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kelola-filebody-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  size_t FilesIn(const std::string& dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
    return n;
  }

  Result<ClientResponse> Put(HttpServer& server, const std::string& path, std::string body) {
    HttpClientOptions o;
    o.max_retries = 0;
    HttpClient client(o);
    ClientRequest put;
    put.method = "PUT";
    put.url = "http://127.0.0.1:" + std::to_string(server.port()) + path;
    put.headers["Content-Type"] = "application/octet-stream";
    put.body = std::move(body);
    return client.Send(put);
  }

  std::string dir_;
};

TEST_F(HttpFileBodyTest, BodyGoesToAFileBeyondTheInMemoryLimit) {
  HttpServerOptions options;
  options.io_threads = 1;
  options.max_body_bytes = 1024;
  HttpServer server(options);
  std::string seen_content, seen_body;
  uint64_t seen_bytes = 0;
  server.Route("PUT", "/files/{name}", FileBodyOptions{dir_, 8u << 20}, [&](HttpRequest& r) {
    std::ifstream f(r.body_file, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    seen_content = ss.str();
    seen_body = r.body;
    seen_bytes = r.body_bytes;
    if (r.path_params["name"] == "keep") std::rename(r.body_file.c_str(), (dir_ + "/kept").c_str());
    return HttpResponse::Json(201, "{}");
  });
  server.Route("PUT", "/small", [](HttpRequest&) { return HttpResponse::Json(200, "{}"); });
  ASSERT_TRUE(server.Start().ok());

  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + i / 4096);
  auto put = Put(server, "/files/drop", big);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  ASSERT_EQ(put->status, 201) << put->body;
  EXPECT_TRUE(seen_content == big) << "got " << seen_content.size() << " bytes";
  EXPECT_EQ(seen_bytes, big.size());
  EXPECT_TRUE(seen_body.empty());
  EXPECT_EQ(FilesIn(dir_), 0u) << "the body file is removed after the handler";

  auto kept = Put(server, "/files/keep", "small content");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->status, 201);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/kept")) << "a file the handler moved stays";

  // Other routes keep the in-memory limit.
  auto small = Put(server, "/small", std::string(4096, 'x'));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 413);
}

TEST_F(HttpFileBodyTest, AboveItsOwnLimitIs413AndLeavesNothing) {
  HttpServerOptions options;
  options.io_threads = 1;
  HttpServer server(options);
  int calls = 0;
  server.Route("PUT", "/files/{name}", FileBodyOptions{dir_, 64 * 1024}, [&](HttpRequest&) {
    ++calls;
    return HttpResponse::Json(201, "{}");
  });
  ASSERT_TRUE(server.Start().ok());
  auto put = Put(server, "/files/x", std::string(64 * 1024 + 1, 'a'));
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->status, 413);
  EXPECT_NE(put->body.find("65536"), std::string::npos) << put->body;
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(FilesIn(dir_), 0u);

  auto exact = Put(server, "/files/x", std::string(64 * 1024, 'a'));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->status, 201);
}

TEST_F(HttpFileBodyTest, AdmitRefusesBeforeTheBodyIsRead) {
  HttpServerOptions options;
  options.io_threads = 1;
  HttpServer server(options);
  int calls = 0;
  std::string seen_header;
  FileBodyOptions body{dir_, 16u << 20};
  body.admit = [&](HttpRequest& r) -> std::optional<HttpResponse> {
    seen_header = r.Header("X-Token");
    if (seen_header == "yes") return std::nullopt;
    return HttpResponse::Error(401, "UNAUTHENTICATED", "no token");
  };
  server.Route("PUT", "/files/{name}", body, [&](HttpRequest&) {
    ++calls;
    return HttpResponse::Json(201, "{}");
  });
  ASSERT_TRUE(server.Start().ok());
  auto refused = Put(server, "/files/x", std::string(4u << 20, 'a'));
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(FilesIn(dir_), 0u) << "nothing was written for a refused request";

  HttpClientOptions o;
  o.max_retries = 0;
  HttpClient client(o);
  ClientRequest put;
  put.method = "PUT";
  put.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/files/x";
  put.headers["X-Token"] = "yes";
  put.body = "allowed";
  auto allowed = client.Send(put);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->status, 201);
  EXPECT_EQ(calls, 1);
}

TEST_F(HttpFileBodyTest, AMissingDirectoryIsA500NotACrash) {
  HttpServerOptions options;
  options.io_threads = 1;
  HttpServer server(options);
  server.Route("PUT", "/files/{name}", FileBodyOptions{dir_ + "/absent", 1024},
               [&](HttpRequest&) { return HttpResponse::Json(201, "{}"); });
  ASSERT_TRUE(server.Start().ok());
  auto put = Put(server, "/files/x", "data");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->status, 500);
  EXPECT_NE(put->body.find("absent"), std::string::npos) << put->body;
}

}  // namespace
}  // namespace kelola
