// HTTPS end to end: the server with a self-signed certificate made here with
// the OpenSSL API, and the client's certificate verification.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/raw_http_for_test.h"

namespace kelola {
namespace {

// A temporary directory with cert.pem and key.pem for CN=localhost,
// SAN DNS:localhost and IP:127.0.0.1, valid from an hour ago for a day.
class SelfSignedCert {
 public:
  SelfSignedCert() {
    char tmpl[] = "/tmp/kelola-tls-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    cert_ = dir_ + "/cert.pem";
    key_ = dir_ + "/key.pem";
    ok_ = Generate();
  }
  ~SelfSignedCert() { std::filesystem::remove_all(dir_); }

  bool ok() const { return ok_; }
  const std::string& cert() const { return cert_; }
  const std::string& key() const { return key_; }

 private:
  bool Generate() {
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    bool ok = pkey != nullptr && x != nullptr;
    ok = ok && X509_set_version(x, 2) == 1;
    ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr;
    ok = ok && X509_gmtime_adj(X509_getm_notAfter(x), 86400) != nullptr;
    ok = ok && X509_set_pubkey(x, pkey) == 1;
    X509_NAME* name = ok ? X509_get_subject_name(x) : nullptr;
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"),
                                          -1, -1, 0) == 1;
    ok = ok && X509_set_issuer_name(x, name) == 1;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    const std::vector<std::pair<int, const char*>> extensions = {
        {NID_basic_constraints, "critical,CA:TRUE"},
        {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
    };
    for (const auto& [nid, value] : extensions) {
      if (!ok) break;
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      ok = ext != nullptr && X509_add_ext(x, ext, -1) == 1;
      X509_EXTENSION_free(ext);
    }
    ok = ok && X509_sign(x, pkey, EVP_sha256()) > 0;
    if (ok) {
      FILE* f = std::fopen(cert_.c_str(), "w");
      ok = f != nullptr && PEM_write_X509(f, x) == 1;
      if (f != nullptr) std::fclose(f);
    }
    if (ok) {
      FILE* f = std::fopen(key_.c_str(), "w");
      ok = f != nullptr && PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1;
      if (f != nullptr) std::fclose(f);
    }
    X509_free(x);
    EVP_PKEY_free(pkey);
    return ok;
  }

  std::string dir_, cert_, key_;
  bool ok_ = false;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cert_.ok());
    HttpServerOptions o;
    o.io_threads = 2;
    o.tls_cert_file = cert_.cert();
    o.tls_key_file = cert_.key();
    server_ = std::make_unique<HttpServer>(o);
    server_->Route("GET", "/hello", [](HttpRequest&) { return HttpResponse::Json(200, R"({"hi":1})"); });
    server_->Route("GET", "/events", [](HttpRequest&) {
      HttpResponse r;
      r.stream = [n = 0](std::string& out) mutable {
        if (n == 2) return false;
        out = "line " + std::to_string(n++) + "\n";
        return true;
      };
      return r;
    });
    ASSERT_TRUE(server_->Start().ok());
  }

  ClientRequest Get(const std::string& path) const {
    ClientRequest r;
    r.url = "https://127.0.0.1:" + std::to_string(server_->port()) + path;
    return r;
  }

  static HttpClientOptions ClientOptions() {
    HttpClientOptions o;
    o.max_retries = 0;
    o.timeout = std::chrono::milliseconds(10'000);
    return o;
  }

  SelfSignedCert cert_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsTest, ClientRefusesSelfSignedCertificateByDefault) {
  HttpClient client(ClientOptions());
  auto res = client.Send(Get("/hello"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(res.status().message().find("certificate verification failed"), std::string::npos)
      << res.status().ToString();
}

TEST_F(TlsTest, ClientAcceptsTheCertificateWithCaFile) {
  HttpClientOptions o = ClientOptions();
  o.ca_file = cert_.cert();
  HttpClient client(o);
  auto res = client.Send(Get("/hello"));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"hi":1})");
  // Twice: the second request reuses the pooled handle and its connection.
  auto again = client.Send(Get("/hello"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();

  std::vector<std::string> lines;
  auto streamed = client.Stream(Get("/events"), [&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  });
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  EXPECT_EQ(lines, (std::vector<std::string>{"line 0", "line 1"}));
}

TEST_F(TlsTest, VerificationCanBeTurnedOffExplicitly) {
  HttpClientOptions o = ClientOptions();
  o.verify_tls = false;
  HttpClient client(o);
  auto res = client.Send(Get("/hello"));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
}

TEST_F(TlsTest, UnreadableCaFileIsInvalidArgument) {
  HttpClientOptions o = ClientOptions();
  o.ca_file = "/nonexistent/ca.pem";
  HttpClient client(o);
  auto res = client.Send(Get("/hello"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kInvalidArgument) << res.status().ToString();
}

TEST_F(TlsTest, PlainHttpToTheTlsPortFailsCleanly) {
  testing::RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string reply = raw.ReadUntilClose();
  EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos);
  // Still serving HTTPS.
  HttpClientOptions o = ClientOptions();
  o.ca_file = cert_.cert();
  HttpClient client(o);
  auto res = client.Send(Get("/hello"));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
}

}  // namespace
}  // namespace kelola
