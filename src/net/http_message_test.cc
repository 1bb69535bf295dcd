#include "net/http_message.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(CaseInsensitiveLessTest, HeaderNamesMatchInAnyCase) {
  HeaderMap headers;
  headers["Content-Type"] = "application/json";
  EXPECT_EQ(headers.count("content-type"), 1u);
  EXPECT_EQ(headers.count("CONTENT-TYPE"), 1u);
  headers["content-type"] = "text/plain";
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.begin()->second, "text/plain");
  CaseInsensitiveLess less;
  EXPECT_TRUE(less("accept", "Content-Type"));
  EXPECT_FALSE(less("Content-Type", "accept"));
  EXPECT_TRUE(less("abc", "ABCD"));
  EXPECT_FALSE(less("ABC", "abc"));
}

TEST(HttpRequestTest, HeaderAndQueryLookups) {
  HttpRequest req;
  req.headers["X-Request-Id"] = "r-1";
  req.query["limit"] = "10";
  EXPECT_EQ(req.Header("x-request-id"), "r-1");
  EXPECT_EQ(req.Header("missing"), "");
  EXPECT_EQ(req.Query("limit"), "10");
  EXPECT_EQ(req.Query("offset", "0"), "0");
  EXPECT_EQ(req.Query("offset"), "");
}

TEST(HttpResponseTest, JsonTextAndErrorSetContentType) {
  HttpResponse json = HttpResponse::Json(201, R"({"a":1})");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.headers["content-type"], "application/json");
  EXPECT_EQ(json.body, R"({"a":1})");

  HttpResponse text = HttpResponse::Text(200, "hi");
  EXPECT_EQ(text.headers["Content-Type"], "text/plain; charset=utf-8");
  HttpResponse csv = HttpResponse::Text(200, "a,b", "text/csv");
  EXPECT_EQ(csv.headers["Content-Type"], "text/csv");

  HttpResponse error = HttpResponse::Error(404, "NOT_FOUND", "no \"host\"\nhere");
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.headers["Content-Type"], "application/json");
  EXPECT_EQ(error.body, R"({"error":{"code":"NOT_FOUND","message":"no \"host\"\nhere","details":{}}})");
  EXPECT_EQ(HttpResponse::Error(400, "X",
                                std::string("a\x01"
                                            "b"))
                .body,
            R"({"error":{"code":"X","message":"a\u0001b","details":{}}})");
}

TEST(PercentTest, DecodesEscapesAndPlusOnlyInQueries) {
  EXPECT_EQ(PercentDecode("/v1/a%20b", false), "/v1/a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%2f%2F", false), "//");
  EXPECT_EQ(PercentDecode("%e2%82%ac", false), "\xe2\x82\xac");
}

TEST(PercentTest, MalformedEscapesStayLiteral) {
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%4", false), "%4");
  EXPECT_EQ(PercentDecode("%zz", false), "%zz");
  EXPECT_EQ(PercentDecode("%%41", false), "%A");
  EXPECT_EQ(PercentDecode("", true), "");
}

TEST(PercentTest, EncodeKeepsOnlyUnreservedAndRoundTrips) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(PercentEncode("\xe2\x82\xac"), "%E2%82%AC");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(PercentDecode(PercentEncode(all), false), all);
  EXPECT_EQ(PercentDecode(PercentEncode(all), true), all);
}

TEST(ParseQueryStringTest, ParsesPairs) {
  auto q = ParseQueryString("limit=10&name=web%2D1&q=a+b&flag&=skipped&&empty=");
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q["limit"], "10");
  EXPECT_EQ(q["name"], "web-1");
  EXPECT_EQ(q["q"], "a b");
  EXPECT_EQ(q["flag"], "");
  EXPECT_EQ(q["empty"], "");
  EXPECT_EQ(q.count(""), 0u);
}

TEST(ParseQueryStringTest, RepeatedKeyKeepsLastAndValuesMayHoldEquals) {
  auto q = ParseQueryString("a=1&a=2&expr=x%3D1=2");
  EXPECT_EQ(q["a"], "2");
  EXPECT_EQ(q["expr"], "x=1=2");
  EXPECT_TRUE(ParseQueryString("").empty());
}

}  // namespace
}  // namespace kelola
