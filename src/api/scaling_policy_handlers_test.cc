#include "api/scaling_policy_handlers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/in_process_api_for_test.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Policy(const std::string& spec) {
  return R"({"kind":"ScalingPolicy","metadata":{"name":"p"},"spec":)" + spec + "}";
}

class ScalingPolicyHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.Start();
    Resource group;
    group.kind = "ServerGroup";
    group.name = "web";
    group.spec_json = R"({"provider":"static","count":3})";
    ASSERT_TRUE(api_.store->PutResource(group, {}).ok());
  }

  std::string ErrorOf(const ClientResponse& r) {
    json doc = json::parse(r.body, nullptr, false);
    return doc.contains("error") ? doc["error"].value("message", "") : r.body;
  }

  InProcessApi api_;
};

TEST_F(ScalingPolicyHandlersTest, UnknownGroupOrMetricIsA400NamingTheField) {
  auto group = api_.Call("PUT", "/v1/scaling-policies/p", Policy(R"({"group":"nope","maxHosts":4,
                                    "targetTracking":{"metric":"cpu_busy_percent","target":50}})"));
  EXPECT_EQ(group.status, 400) << group.body;
  EXPECT_EQ(ErrorOf(group), "spec.group: server group \"nope\" not found; create the ServerGroup first");

  auto metric = api_.Call("PUT", "/v1/scaling-policies/p",
                          Policy(R"({"group":"web","maxHosts":4,"targetTracking":{"metric":"cpu","target":50}})"));
  EXPECT_EQ(metric.status, 400) << metric.body;
  EXPECT_NE(ErrorOf(metric).find("spec.targetTracking.metric: unknown metric \"cpu\"; the metrics store has: "
                                 "cpu_busy_percent, load1"),
            std::string::npos)
      << metric.body;

  auto step = api_.Call("PUT", "/v1/scaling-policies/p", Policy(R"({"group":"web","maxHosts":4,
                                   "stepScaling":{"metric":"requests","steps":[{"lower":1,"adjustment":1}]}})"));
  EXPECT_EQ(step.status, 400);
  EXPECT_NE(ErrorOf(step).find("spec.stepScaling.metric: unknown metric \"requests\""), std::string::npos);

  // The decoder's checks come first, still naming the field.
  auto bounds = api_.Call("PUT", "/v1/scaling-policies/p", Policy(R"({"group":"nope","minHosts":5,"maxHosts":2,
                                     "targetTracking":{"metric":"cpu","target":50}})"));
  EXPECT_EQ(bounds.status, 400);
  EXPECT_EQ(ErrorOf(bounds), "spec.minHosts (5) is above spec.maxHosts (2)");
  EXPECT_EQ(api_.store->GetResource("ScalingPolicy", "p").status().code(), StatusCode::kNotFound);

  // A viewer may not write; a scheduled-only policy names no metric.
  auto viewer = api_.Call("PUT", "/v1/scaling-policies/p",
                          Policy(R"({"group":"web","maxHosts":4,"scheduled":[{"cron":"* * * * *","min":2}]})"),
                          api_.viewer_token);
  EXPECT_EQ(viewer.status, 403);
  auto scheduled = api_.Call("PUT", "/v1/scaling-policies/p",
                             Policy(R"({"group":"web","maxHosts":4,"scheduled":[{"cron":"* * * * *","min":2}]})"));
  EXPECT_EQ(scheduled.status, 201) << scheduled.body;
}

TEST_F(ScalingPolicyHandlersTest, UpdatesKeepTheAutoscalersStatus) {
  const std::string spec = R"({"group":"web","maxHosts":4,"targetTracking":{"metric":"cpu_busy_percent","target":50}})";
  ASSERT_EQ(api_.Call("PUT", "/v1/scaling-policies/p", Policy(spec)).status, 201);
  Resource stored = *api_.store->GetResource("ScalingPolicy", "p");
  stored.status_json = R"({"lastEvaluation":"2026-01-01T00:00:00.000Z"})";
  PutOptions o;
  o.status_only = true;
  ASSERT_TRUE(api_.store->PutResource(stored, o).ok());
  json changed = json::parse(spec);
  changed["dryRun"] = true;
  auto r = api_.Call("PUT", "/v1/scaling-policies/p", Policy(changed.dump()));
  ASSERT_EQ(r.status, 200) << r.body;
  json doc = json::parse(r.body);
  EXPECT_EQ(doc["spec"]["dryRun"], true);
  EXPECT_EQ(doc["status"]["lastEvaluation"], "2026-01-01T00:00:00.000Z");
}

TEST_F(ScalingPolicyHandlersTest, ScalingViewHasThePoliciesAndTheNewestDecision) {
  auto missing = api_.Call("GET", "/v1/server-groups/nope/scaling", "", api_.viewer_token);
  EXPECT_EQ(missing.status, 404);
  auto empty = api_.Call("GET", "/v1/server-groups/web/scaling", "", api_.viewer_token);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(json::parse(empty.body)["policies"].size(), 0u);
  EXPECT_TRUE(json::parse(empty.body)["lastDecision"].is_null());

  for (const char* name : {"a", "b"}) {
    Resource r;
    r.kind = "ScalingPolicy";
    r.name = name;
    r.spec_json = R"({"group":"web","maxHosts":4,"targetTracking":{"metric":"cpu_busy_percent","target":50}})";
    r.status_json = std::string(name) == "a"
                        ? R"({"lastEvaluation":"2026-01-01T00:00:00.000Z","lastDecision":{"desired":3}})"
                        : R"({"lastEvaluation":"2026-01-01T00:00:15.000Z","lastDecision":{"desired":4}})";
    ASSERT_TRUE(api_.store->PutResource(r, {}).ok());
  }
  auto view = api_.Call("GET", "/v1/server-groups/web/scaling", "", api_.viewer_token);
  ASSERT_EQ(view.status, 200) << view.body;
  json doc = json::parse(view.body);
  EXPECT_EQ(doc["group"], "web");
  EXPECT_EQ(doc["count"], 3);
  ASSERT_EQ(doc["policies"].size(), 2u);
  EXPECT_EQ(doc["policies"][1]["lastEvaluation"], "2026-01-01T00:00:15.000Z");
  EXPECT_EQ(doc["lastDecision"]["desired"], 4);
}

}  // namespace
}  // namespace kelola
