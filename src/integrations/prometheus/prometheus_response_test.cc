#include "integrations/prometheus/prometheus_response.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kelola::prometheus {
namespace {

// Captured from Prometheus 2.42.0 (Debian 12).
constexpr std::string_view kVector =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1.5"]}]}})";
constexpr std::string_view kScalar = R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"2"]}})";
constexpr std::string_view kBadData =
    R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"})";
constexpr std::string_view kEmpty = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
constexpr std::string_view kTwo =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"x"},"value":[1700000000,"1"]},{"metric":{"a":"y"},"value":[1700000000,"2"]}]}})";
constexpr std::string_view kNaN =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"NaN"]}]}})";

TEST(PrometheusResponse, Vector) {
  auto r = ParseQueryResponse(200, kVector);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->result_type, "vector");
  ASSERT_EQ(r->samples.size(), 1u);
  EXPECT_EQ(r->samples[0].value, 1.5);
  EXPECT_EQ(r->samples[0].time, 1700000000);
  auto two = ParseQueryResponse(200, kTwo);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->samples.size(), 2u);
  EXPECT_EQ(two->samples[1].labels.at("a"), "y");
  EXPECT_EQ(two->samples[1].value, 2);
  EXPECT_TRUE(ParseQueryResponse(200, kEmpty)->samples.empty());
  EXPECT_TRUE(std::isnan(ParseQueryResponse(200, kNaN)->samples[0].value));
}

TEST(PrometheusResponse, Scalar) {
  auto r = ParseQueryResponse(200, kScalar);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->result_type, "scalar");
  EXPECT_EQ(r->samples.at(0).value, 2);
}

TEST(PrometheusResponse, ErrorsCarryErrorTypeAndError) {
  auto r = ParseQueryResponse(400, kBadData);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "prometheus: bad_data: invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis");
  EXPECT_EQ(
      ParseQueryResponse(503, R"({"status":"error","errorType":"timeout","error":"query timed out"})").status().code(),
      StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ParseQueryResponse(422, R"({"status":"error","errorType":"execution","error":"x"})").status().code(),
            StatusCode::kInternal);
}

TEST(PrometheusResponse, ShapesThatAreNotTheApi) {
  auto proxy = ParseQueryResponse(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(proxy.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(proxy.status().message().find("HTTP 502"), std::string::npos);
  EXPECT_EQ(ParseQueryResponse(200, "[]").status().code(), StatusCode::kInternal);
  EXPECT_FALSE(ParseQueryResponse(200, R"({"status":"success"})").ok());
  EXPECT_FALSE(ParseQueryResponse(200, R"({"status":"success","data":{"resultType":"vector","result":[1]}})").ok());
  EXPECT_FALSE(
      ParseQueryResponse(200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"x1"]}})").ok());
  EXPECT_FALSE(ParseQueryResponse(200, R"({"status":"success","data":{"resultType":"scalar","result":[1,2]}})").ok());
  auto matrix = ParseQueryResponse(200, R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  EXPECT_EQ(matrix.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseQueryResponse(200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}})")
                ->samples[0]
                .value,
            INFINITY);
}

}  // namespace
}  // namespace kelola::prometheus
