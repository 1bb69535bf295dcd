#include "integrations/aws/signable_request.h"

#include <gtest/gtest.h>

#include "integrations/aws/sigv4.h"

namespace kelola {
namespace {

TEST(SignableRequestTest, ParsesRequestLineHeadersFoldedLinesAndBody) {
  auto request = ParseSignableRequest(
      "POST /a b/?x=1&y HTTP/1.1\r\nHost:example.com\r\nMy-Header: one\r\n  two\r\n\r\nbody\nmore");
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->path, "/a b/");
  EXPECT_EQ(request->query, "x=1&y");
  ASSERT_EQ(request->headers.size(), 2u);
  EXPECT_EQ(request->headers[1].second, " one\n  two");
  EXPECT_EQ(request->Header("my-header"), " one\n  two");
  EXPECT_EQ(request->body, "body\nmore");
}

TEST(SignableRequestTest, RenderIsTheInverseOfParse) {
  const std::string text = "GET /?a=b HTTP/1.1\nHost:example.com\nX:1\n\npayload";
  auto request = ParseSignableRequest(text);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(RenderSignableRequest(*request), text);
}

TEST(SignableRequestTest, MalformedInputNamesTheLine) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"", "empty"},
      {"GET\n", "line 1"},
      {"GET / FTP/1\n", "HTTP/"},
      {"GET x HTTP/1.1\n", "'/'"},
      {"G(T / HTTP/1.1\n", "method"},
      {"GET / HTTP/1.1\n continued\n", "line 2: continuation"},
      {"GET / HTTP/1.1\nHost example\n", "line 2: header line has no ':'"},
      {"GET / HTTP/1.1\nHo st:x\n", "line 2: header name"},
  };
  for (const auto& c : cases) {
    auto request = ParseSignableRequest(c.text);
    ASSERT_FALSE(request.ok()) << c.text;
    EXPECT_EQ(request.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(request.status().message().find(c.want), std::string::npos) << request.status().message();
  }
}

TEST(SigV4Test, UriEncodingKeepsOnlyUnreserved) {
  EXPECT_EQ(AwsUriEncode("a-_.~Z9/ +%", false), "a-_.~Z9%2F%20%2B%25");
  EXPECT_EQ(AwsUriEncode("/a b/", true), "/a%20b/");
}

TEST(SigV4Test, CanonicalQuerySortsByEncodedKeyThenValue) {
  EXPECT_EQ(CanonicalQueryString("b=2&a=2&a=1&c&&%41=x"), "A=x&a=1&a=2&b=2&c=");
  // A broken escape is kept literally and encoded.
  EXPECT_EQ(CanonicalQueryString("k=%zz"), "k=%25zz");
}

TEST(SigV4Test, NormalizedPathDropsDotAndEmptySegments) {
  EXPECT_EQ(CanonicalUri("", true), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c//", true), "/a/c/");
  EXPECT_EQ(CanonicalUri("/../..", true), "/");
  EXPECT_EQ(CanonicalUri("/a/./b", false), "/a/./b");
}

TEST(SigV4Test, MissingInputsAreInvalidArgument) {
  SignableRequest request;
  request.method = "POST";
  request.headers = {{"Host", "ec2.us-east-1.amazonaws.com"}};
  SigV4Params params{.region = "us-east-1", .service = "ec2"};
  AwsCredentials credentials{.access_key_id = "AKID", .secret_access_key = "secret"};
  EXPECT_TRUE(SignRequest(request, credentials, params).ok());

  AwsCredentials no_secret = credentials;
  no_secret.secret_access_key.clear();
  EXPECT_EQ(SignRequest(request, no_secret, params).status().code(), StatusCode::kInvalidArgument);
  SigV4Params no_region = params;
  no_region.region.clear();
  EXPECT_EQ(SignRequest(request, credentials, no_region).status().code(), StatusCode::kInvalidArgument);
  SignableRequest no_host = request;
  no_host.headers.clear();
  auto sig = SignRequest(no_host, credentials, params);
  ASSERT_FALSE(sig.ok());
  EXPECT_NE(sig.status().message().find("Host"), std::string::npos);
}

TEST(SigV4Test, SecretNeverAppearsInTheOutput) {
  SignableRequest request;
  request.method = "POST";
  request.headers = {{"Host", "ec2.amazonaws.com"}};
  AwsCredentials credentials{.access_key_id = "AKID", .secret_access_key = "VERY-SECRET-KEY", .session_token = "tok"};
  auto sig = SignRequest(request, credentials, SigV4Params{.region = "r", .service = "ec2"});
  ASSERT_TRUE(sig.ok());
  const std::string rendered = RenderSignableRequest(ApplySignature(request, *sig));
  EXPECT_EQ(rendered.find("VERY-SECRET-KEY"), std::string::npos);
  EXPECT_EQ(sig->canonical_request.find("VERY-SECRET-KEY"), std::string::npos);
  EXPECT_NE(rendered.find("X-Amz-Security-Token:tok"), std::string::npos);
}

TEST(SigV4Test, UserAgentAndExpectAreNotSigned) {
  SignableRequest request;
  request.method = "POST";
  request.headers = {{"Host", "h"}, {"User-Agent", "kelola"}, {"Expect", ""}, {"Content-Type", "x"}};
  auto sig = SignRequest(request, AwsCredentials{.access_key_id = "A", .secret_access_key = "S"},
                         SigV4Params{.region = "r", .service = "ec2"});
  ASSERT_TRUE(sig.ok());
  EXPECT_NE(sig->headers.back().second.find("SignedHeaders=content-type;host;x-amz-date,"), std::string::npos);
}

}  // namespace
}  // namespace kelola
