#include "scale/scaling_policy.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(ScalingPolicyTest, DecodesEveryFieldFromYaml) {
  const char* yaml = R"(kind: ScalingPolicy
metadata:
  name: web-cpu
spec:
  group: web
  minHosts: 2
  maxHosts: 30
  targetTracking: {metric: cpu, target: 60, tolerance: 0.05}
  scheduled:
    - {cron: "* 8-17 * * mon-fri", min: 6}
    - {cron: "0 3 * * *", desired: 4, max: 10}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 30
      selectPolicy: Min
      policies: [{type: Hosts, value: 3, periodSeconds: 60}, {type: Percent, value: 50, periodSeconds: 60}]
    scaleDown: {selectPolicy: Disabled}
  warmupSeconds: 180
  fallback: {desired: 5}
)";
  auto r = ParseScalingPolicyFile(yaml, "web.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  const ScalingPolicySpec& p = (*r)[0];
  EXPECT_EQ(p.name, "web-cpu");
  EXPECT_EQ(p.group, "web");
  EXPECT_EQ(p.min_hosts, 2);
  EXPECT_EQ(p.max_hosts, 30);
  ASSERT_TRUE(p.target_tracking);
  EXPECT_EQ(p.target_tracking->metric, "cpu");
  EXPECT_EQ(p.target_tracking->target, 60);
  EXPECT_EQ(p.target_tracking->tolerance, 0.05);
  ASSERT_EQ(p.scheduled.size(), 2u);
  EXPECT_EQ(p.scheduled[0].min, 6);
  EXPECT_EQ(p.scheduled[1].desired, 4);
  EXPECT_EQ(p.scheduled[1].max, 10);
  EXPECT_EQ(p.scale_up.stabilization_window_seconds, 30);
  EXPECT_EQ(p.scale_up.select, SelectPolicy::kMin);
  ASSERT_EQ(p.scale_up.policies.size(), 2u);
  EXPECT_EQ(p.scale_up.policies[1].type, AdjustmentType::kPercent);
  EXPECT_EQ(p.scale_down.select, SelectPolicy::kDisabled);
  EXPECT_EQ(p.scale_down.stabilization_window_seconds, 300);  // the default stays
  EXPECT_EQ(p.warmup_seconds, 180);
  EXPECT_EQ(p.fallback.desired, 5);
}

TEST(ScalingPolicyTest, HpaDefaults) {
  auto p =
      DecodeScalingPolicySpec("p", R"({"group":"web","maxHosts":5,"targetTracking":{"metric":"cpu","target":70}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->min_hosts, 1);
  EXPECT_EQ(p->target_tracking->tolerance, 0.1);
  EXPECT_EQ(p->scale_up.stabilization_window_seconds, 0);
  EXPECT_EQ(p->scale_up.select, SelectPolicy::kMax);
  ASSERT_EQ(p->scale_up.policies.size(), 2u);
  EXPECT_EQ(p->scale_up.policies[0].type, AdjustmentType::kPercent);
  EXPECT_EQ(p->scale_up.policies[0].value, 100);
  EXPECT_EQ(p->scale_up.policies[1].type, AdjustmentType::kHosts);
  EXPECT_EQ(p->scale_up.policies[1].value, 4);
  EXPECT_EQ(p->scale_up.policies[1].period_seconds, 15);
  EXPECT_EQ(p->scale_down.stabilization_window_seconds, 300);
  ASSERT_EQ(p->scale_down.policies.size(), 1u);
  EXPECT_EQ(p->scale_down.policies[0].value, 100);
  EXPECT_FALSE(p->fallback.desired);  // hold
}

TEST(ScalingPolicyTest, StepAdjustments) {
  auto p = DecodeScalingPolicySpec("p", R"({"group":"web","maxHosts":5,"stepScaling":{"metric":"cpu","steps":[
    {"upper":20,"adjustment":-1},{"lower":80,"adjustment":"+50%"}]}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->step_scaling->steps[0].adjustment, -1);
  EXPECT_EQ(p->step_scaling->steps[1].adjustment, 50);
  EXPECT_EQ(p->step_scaling->steps[1].type, AdjustmentType::kPercent);
  EXPECT_EQ(p->metric(), "cpu");
}

TEST(ScalingPolicyTest, ErrorsNameTheField) {
  struct Case {
    const char* spec;
    const char* message;
  };
  const Case cases[] = {
      {R"({"group":"web","minHosts":5,"maxHosts":2,"targetTracking":{"metric":"cpu","target":60}})",
       "spec.minHosts (5) is above spec.maxHosts (2)"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"","target":60}})",
       "spec.targetTracking.metric must not be empty"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60,"tolerence":0.1}})",
       "spec.targetTracking.tolerence: unknown field"},
      {R"({"grop":"web"})", "spec.grop: unknown field"},
      {R"({"maxHosts":2,"targetTracking":{"metric":"cpu","target":60}})", "spec.group: required field is missing"},
      {R"({"group":"web","targetTracking":{"metric":"cpu","target":60}})", "spec.maxHosts: required field"},
      {R"({"group":"web","maxHosts":2})", "give targetTracking, stepScaling or scheduled"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":0}})",
       "spec.targetTracking.target must be above 0"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60},
          "stepScaling":{"metric":"cpu","steps":[{"lower":1,"adjustment":1}]}})",
       "not both"},
      {R"({"group":"web","maxHosts":2,"stepScaling":{"metric":"cpu","steps":[{"lower":50,"adjustment":1},
          {"lower":70,"upper":90,"adjustment":2}]}})",
       "spec.stepScaling.steps[1] overlaps spec.stepScaling.steps[0]"},
      {R"({"group":"web","maxHosts":2,"stepScaling":{"metric":"cpu","steps":[{"lower":50,"adjustment":"lots"}]}})",
       "spec.stepScaling.steps[0].adjustment"},
      {R"({"group":"web","maxHosts":2,"scheduled":[{"cron":"* * * *","min":1}]})",
       "spec.scheduled[0].cron: cron \"* * * *\": expected 5 fields"},
      {R"({"group":"web","maxHosts":2,"scheduled":[{"cron":"* * * * *","min":3,"max":1}]})",
       "spec.scheduled[0].min (3) is above max (1)"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60},
          "behavior":{"scaleDown":{"policies":[{"type":"Pods","value":1,"periodSeconds":0}]}}})",
       "spec.behavior.scaleDown.policies[0].periodSeconds must be between 1 and 1800, got 0"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60},
          "behavior":{"scaleUp":{"selectPolicy":"Fastest"}}})",
       "spec.behavior.scaleUp.selectPolicy must be Max, Min or Disabled"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60},
          "behavior":{"scaleUp":{"stabilizationWindowSeconds":3601}}})",
       "spec.behavior.scaleUp.stabilizationWindowSeconds must be between 0 and 3600"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60},"fallback":"panic"})",
       "spec.fallback must be \"hold\" or {desired: N}"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60},"warmupSeconds":-1})",
       "spec.warmupSeconds must be between 0 and 3600"},
      {R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60},"dryRun":"yes"})",
       "spec.dryRun must be true or false"},
      {R"([1,2])", "spec must be an object"},
      {R"({"group":)", "spec: not valid JSON"},
  };
  for (const auto& c : cases) {
    auto r = DecodeScalingPolicySpec("p", c.spec);
    ASSERT_FALSE(r.ok()) << c.spec;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().message();
  }
}

TEST(ScalingPolicyTest, DryRunIsOffUnlessAsked) {
  auto live =
      DecodeScalingPolicySpec("p", R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60}})");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_FALSE(live->dry_run);
  auto dry = DecodeScalingPolicySpec(
      "p", R"({"group":"web","maxHosts":2,"targetTracking":{"metric":"cpu","target":60},"dryRun":true})");
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_TRUE(dry->dry_run);
}

TEST(ScalingPolicyTest, FileErrorsCarryTheLine) {
  auto r = ParseScalingPolicyFile(
      "kind: ScalingPolicy\nmetadata: {name: a}\nspec:\n  group: web\n  maxHosts: 1\n"
      "  targetTracking: {metric: cpu, target: 60}\n---\nkind: Pipeline\n",
      "p.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "p.yaml:8: kind: expected ScalingPolicy");
  r = ParseScalingPolicyFile("group: [", "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("bad.yaml:1:", 0), 0u) << r.status().message();
  r = ParseScalingPolicyFile("group: web\n&$\x98\x8d\x90up: 1}\n", "bytes.yaml");  // from the fuzzer
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "bytes.yaml:2: the file is not valid UTF-8");
  r = ParseScalingPolicyFile("group: web\n\"maxHosts\",\"a\":9},{\"lower\":80\n", "quoted.yaml");  // fuzzer
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("quoted.yaml:2: expected a plain key", 0), 0u) << r.status().message();
  r = ParseScalingPolicyFile(" ,gp:", "indented.yaml");  // from the fuzzer
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "indented.yaml:1: a line may not start with ,");
  r = ParseScalingPolicyFile("  group: web\n", "indented.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "indented.yaml:1: the document's first key must start in column 1");
  r = ParseScalingPolicyFile("", "empty.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no ScalingPolicy"), std::string::npos);
  r = ParseScalingPolicyFile("group: web\nminHosts: 9\nmaxHosts: 1\ntargetTracking: {metric: cpu, target: 1}\n",
                             "bare.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "bare.yaml:1: spec.minHosts (9) is above spec.maxHosts (1)");
}

TEST(ScalingPolicyTest, BareSpecsAndSeveralDocuments) {
  auto r = ParseScalingPolicyFile(
      "group: web\nmaxHosts: 4\ntargetTracking: {metric: cpu, target: 60}\n---\n"
      "group: web\nminHosts: 0\nmaxHosts: 9\nscheduled: [{cron: '* 9 * * *', min: 3}]\n",
      "dir/web.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "web");
  EXPECT_EQ((*r)[1].name, "web-2");
  EXPECT_TRUE((*r)[1].metric().empty());
}

// JSON files are read by nlohmann, not yaml-cpp (which loops on some malformed
// flow-style documents: this input came from scaling_policy_fuzz).
TEST(ScalingPolicyTest, JsonFiles) {
  auto r = ParseScalingPolicyFile(
      "# a comment\n{\"kind\":\"ScalingPolicy\",\"metadata\":{\"name\":\"j\"},"
      "\"spec\":{\"group\":\"web\",\"maxHosts\":3,\"targetTracking\":{\"metric\":\"cpu\","
      "\"target\":50}}}",
      "p.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].name, "j");
  r = ParseScalingPolicyFile(R"([{"group":"web","maxHosts":3,"targetTracking":{"metric":"cpu","target":50}},
    {"group":"web","maxHosts":3,"targetTracking":{"metric":"rps","target":5}}])",
                             "two.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].name, "two-2");
  r = ParseScalingPolicyFile("{\"group\":\"web\",\"maxHotment\":-1},\"stepaer\":2}]}}\n", "hang.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "hang.json:1: not valid JSON (a file starting with { or [ is read as JSON)");
  r = ParseScalingPolicyFile("\n\n{\"group\":\"web\",\"minHosts\":4,\"maxHosts\":3,\"scheduled\":[]}", "l.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "l.json:3: spec.minHosts (4) is above spec.maxHosts (3)");
}

}  // namespace
}  // namespace kelola
