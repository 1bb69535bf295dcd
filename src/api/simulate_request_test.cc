#include "api/simulate_request.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

const char* kPolicy =
    "kind: ScalingPolicy\nmetadata: {name: cpu60}\nspec:\n  group: web\n  minHosts: 2\n  maxHosts: 150\n"
    "  targetTracking: {metric: cpu, target: 60}\n";

// A day of load: 200 req/min, then a spike to 3,000 for two hours.
std::string DayTrace() {
  std::string t = "minute,requests\n";
  for (int m = 0; m < 1440; ++m) t += std::to_string(m) + "," + std::to_string(m >= 600 && m < 720 ? 3000 : 200) + "\n";
  return t;
}

json Body(const std::string& trace, const std::string& policies) {
  return {{"trace", trace},
          {"policySets", {{{"name", "cpu60"}, {"policies", policies}}}},
          {"model", {{"capacityPerHost", 100}, {"bootSeconds", 120}, {"intervalSeconds", 15}}}};
}

TEST(SimulateRequest, RunsThePolicyAndTheBaselineOverTheTrace) {
  auto req = DecodeSimulateRequest(Body(DayTrace(), kPolicy).dump());
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_EQ(req->trace.requests.size(), 1440u);
  ASSERT_EQ(req->sets.size(), 1u);
  EXPECT_EQ(req->sets[0].name, "cpu60");
  auto text = RunSimulation(*req);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  json out = json::parse(*text);
  EXPECT_EQ(out["minutes"], 1440);
  EXPECT_EQ(out["bucketMinutes"], 1);
  ASSERT_EQ(out["demand"].size(), 1440u);
  EXPECT_EQ(out["demand"][0], 200.0);
  ASSERT_EQ(out["results"].size(), 2u);  // cpu60 and the plain HPA
  const json& r = out["results"][0];
  EXPECT_EQ(r["name"], "cpu60");
  ASSERT_EQ(r["hosts"].size(), 1440u);
  // The spike needs 30+ hosts at 100 req/min each; the policy scales up for it and stays in bounds.
  EXPECT_GE(r["maxHosts"].get<int>(), 30);
  EXPECT_LE(r["maxHosts"].get<int>(), 150);
  EXPECT_GE(r["minHosts"].get<int>(), 2);
  EXPECT_GT(r["scalingActions"].get<int>(), 0);
  EXPECT_GT(r["hostHours"].get<double>(), 0);
}

TEST(SimulateRequest, LongTracesAreReducedToBucketMaxima) {
  std::string t = "minute,requests\n";
  for (int m = 0; m < 3000; ++m) t += std::to_string(m) + "," + std::to_string(m == 1501 ? 5000 : 100) + "\n";
  json body = Body(t, kPolicy);
  body["baseline"] = false;
  auto req = DecodeSimulateRequest(body.dump());
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  auto text = RunSimulation(*req);
  ASSERT_TRUE(text.ok());
  json out = json::parse(*text);
  EXPECT_EQ(out["bucketMinutes"], 2);
  EXPECT_EQ(out["demand"].size(), 1500u);
  EXPECT_EQ(out["demand"][750], 5000.0);  // minutes 1500-1501: the maximum is kept
  EXPECT_EQ(out["results"].size(), 1u);
  EXPECT_EQ(out["results"][0]["capacity"].size(), 1500u);
}

TEST(SimulateRequest, BadBodiesNameTheField) {
  auto error = [](const std::string& body) {
    auto r = DecodeSimulateRequest(body);
    EXPECT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
    return r.status().message();
  };
  EXPECT_EQ(error("{"), "body: not valid JSON");
  EXPECT_EQ(error("[]"), "body: expected a JSON object");
  EXPECT_EQ(error(R"({"policySets":[{"policies":"x"}]})").rfind("policySets[0].policies", 0), 0u);
  json no_trace = Body("", kPolicy);
  no_trace.erase("trace");
  EXPECT_EQ(error(no_trace.dump()), "trace: required");
  json extra = Body(DayTrace(), kPolicy);
  extra["owner"] = "x";
  EXPECT_EQ(error(extra.dump()), "owner: unknown field");
  json bad_model = Body(DayTrace(), kPolicy);
  bad_model["model"]["intervalSeconds"] = 0;
  EXPECT_EQ(error(bad_model.dump()), "model.intervalSeconds: expected an integer from 1 to 60");
  bad_model["model"] = {{"bootSeconds", "soon"}};
  EXPECT_EQ(error(bad_model.dump()), "model.bootSeconds: expected an integer");
  json too_many = Body(DayTrace(), kPolicy);
  for (int i = 0; i < 4; ++i) too_many["policySets"].push_back(too_many["policySets"][0]);
  EXPECT_EQ(error(too_many.dump()), "policySets: expected an array of 1 to 4 sets");
  json bad_policy = Body(DayTrace(), "kind: ScalingPolicy\nmetadata: {name: x}\nspec: {group: web, maxHosts: 0}\n");
  EXPECT_NE(error(bad_policy.dump()).find("policySets[0].policies"), std::string::npos);
  EXPECT_NE(error(Body("minute,requests\nnot,a number\n", kPolicy).dump()).find("trace"), std::string::npos);
}

TEST(SimulateRequest, TracesLongerThanAQuarterAreRefused) {
  std::string t = "minute,requests\n0,1\n" + std::to_string(kMaxSimulateMinutes) + ",1\n";
  auto r = DecodeSimulateRequest(Body(t, kPolicy).dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("up to 14 days"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace kelola
