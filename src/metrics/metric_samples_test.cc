#include "metrics/metric_samples.h"

#include <gtest/gtest.h>

namespace kelola::metrics {
namespace {

TEST(MetricSamples, RoundTrip) {
  SampleBatch b;
  b.host = "web-1";
  b.group = "web";
  b.samples.push_back({1700000000000, {{"cpu_busy_percent", 12.5}, {"load1", 0.25}}});
  b.samples.push_back({1700000010000, {{"cpu_busy_percent", 50}}});
  auto d = DecodeSampleBatch(EncodeSampleBatch(b));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->host, "web-1");
  EXPECT_EQ(d->group, "web");
  ASSERT_EQ(d->samples.size(), 2u);
  EXPECT_EQ(d->samples[0].time_ms, 1700000000000);
  ASSERT_EQ(d->samples[0].values.size(), 2u);
  EXPECT_EQ(d->samples[0].values[0].first, "cpu_busy_percent");
  EXPECT_DOUBLE_EQ(d->samples[0].values[0].second, 12.5);
  EXPECT_DOUBLE_EQ(d->samples[1].values[0].second, 50);
}

std::string ErrorOf(std::string_view body) {
  auto d = DecodeSampleBatch(body);
  EXPECT_FALSE(d.ok()) << body;
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  return d.status().message();
}

TEST(MetricSamples, ErrorsNameTheField) {
  EXPECT_EQ(ErrorOf("{"), "body: not valid JSON");
  EXPECT_EQ(ErrorOf("[]"), "body: expected a JSON object");
  EXPECT_EQ(ErrorOf(R"({"samples":[]})"), "host: required");
  EXPECT_EQ(ErrorOf(R"({"host":"a b","samples":[]})").rfind("host:", 0), 0u);
  EXPECT_EQ(ErrorOf(R"({"host":"h","group":7,"samples":[]})"), "group: expected a string");
  EXPECT_EQ(ErrorOf(R"({"host":"h","samples":{}})"), "samples: expected an array");
  EXPECT_EQ(ErrorOf(R"({"host":"h","samples":[{"values":{}}]})"), "samples[0].time: required");
  EXPECT_EQ(ErrorOf(R"({"host":"h","samples":[{"time":1}]})"), "samples[0].values: required");
  EXPECT_EQ(ErrorOf(R"({"host":"h","samples":[{"time":1,"values":{}},{"time":-5,"values":{}}]})"),
            "samples[1].time: expected Unix milliseconds (an integer > 0)");
  EXPECT_EQ(ErrorOf(R"({"host":"h","samples":[{"time":1,"values":{"load1":"x"}}]})"),
            "samples[0].values.load1: expected a finite number");
  EXPECT_EQ(ErrorOf(R"({"host":"h","samples":[{"time":1,"values":{"Load":1}}]})").rfind("samples[0].values: name", 0),
            0u);
  EXPECT_EQ(ErrorOf(R"({"host":"h","samples":[{"time":1,"values":{},"extra":1}]})"),
            "samples[0].extra: unknown field (expected time, values)");
  EXPECT_EQ(ErrorOf(R"({"host":"h","bogus":1})"), "bogus: unknown field (expected host, group, samples)");
}

TEST(MetricSamples, Limits) {
  std::string many = R"({"host":"h","samples":[)";
  for (size_t i = 0; i <= kMaxSamplesPerBatch; ++i) many += std::string(i ? "," : "") + "1";
  many += "]}";
  EXPECT_EQ(ErrorOf(many).rfind("samples: at most", 0), 0u);
  std::string values = R"({"host":"h","samples":[{"time":1,"values":{)";
  for (size_t i = 0; i <= kMaxValuesPerSample; ++i) values += (i ? ",\"v" : "\"v") + std::to_string(i) + "\":1";
  values += "}}]}";
  EXPECT_EQ(ErrorOf(values).rfind("samples[0].values: at most", 0), 0u);
}

TEST(MetricSamples, Names) {
  EXPECT_TRUE(IsValidSeriesName("cpu_busy_percent"));
  EXPECT_TRUE(IsValidSeriesName("load1"));
  EXPECT_FALSE(IsValidSeriesName("1load"));
  EXPECT_FALSE(IsValidSeriesName(""));
  EXPECT_FALSE(IsValidSeriesName(std::string(65, 'a')));
  EXPECT_TRUE(IsValidHostName("web-1.example.com"));
  EXPECT_FALSE(IsValidHostName("web 1"));
  EXPECT_FALSE(IsValidHostName(std::string(254, 'a')));
}

}  // namespace
}  // namespace kelola::metrics
