// `kelola scale simulate`, the real binary: a comparison with the HPA
// baseline and an SVG plot, the documented example policies, and bad input as
// exit code 2 with file:line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/harness/run_command.h"
#include "tests/harness/temp_dir.h"

namespace kelola {
namespace {

std::string Binary() {
  const char* b = std::getenv("KELOLA_BINARY");
  return b != nullptr ? b : "kelola";
}

TEST(ScaleCliTest, ComparesPoliciesAndPlots) {
  auto dir = harness::TempDir::Create("scale-cli");
  ASSERT_TRUE(dir.ok());
  const std::string trace = (*dir)->File("trace.csv"), svg = (*dir)->File("out.svg");
  // Two hours: 30 minutes quiet, an hour ten times busier, quiet again.
  std::ofstream t(trace);
  t << "# synthetic\nminute,requests\n";
  for (int m = 0; m < 120; ++m) t << m << "," << (m >= 30 && m < 90 ? 1000 : 100) << "\n";
  t.close();
  const std::string docs = std::string(KELOLA_SOURCE_DIR) + "/docs/autoscaling/";
  auto r = harness::RunCommand({Binary(), "scale", "simulate", "--policy", docs + "cpu60.yaml", "--policy",
                                docs + "calm.yaml", "--policy", docs + "step.yaml", "--trace", trace,
                                "--capacity-per-host", "100", "--boot-seconds", "60", "--plot", svg});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->exit_code, 0) << r->err;
  for (const char* name : {"cpu60 ", "calm ", "step ", "hpa-baseline "}) {
    EXPECT_NE(r->out.find(std::string("\n") + name), std::string::npos) << name << "\n" << r->out;
  }
  std::ifstream in(svg);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str().rfind("<svg xmlns=", 0), 0u);
  EXPECT_NE(ss.str().find("hpa-baseline capacity / hosts"), std::string::npos);
}

TEST(ScaleCliTest, BadInputExitsTwo) {
  auto dir = harness::TempDir::Create("scale-cli-bad");
  ASSERT_TRUE(dir.ok());
  const std::string policy = (*dir)->File("p.yaml"), bad_policy = (*dir)->File("minmax.yaml"),
                    trace = (*dir)->File("t.csv"), bad_trace = (*dir)->File("bad.csv"), empty = (*dir)->File("e.csv");
  std::ofstream(policy) << "kind: ScalingPolicy\nmetadata: {name: p}\nspec:\n  group: web\n  maxHosts: 9\n"
                           "  targetTracking: {metric: cpu, target: 60}\n";
  std::ofstream(bad_policy) << "group: web\nminHosts: 5\nmaxHosts: 2\ntargetTracking: {metric: cpu, target: 60}\n";
  std::ofstream(trace) << "minute,requests\n0,10\n1,20\n";
  std::ofstream(bad_trace) << "minute,requests\n0,10\n1,many\n";
  std::ofstream(empty) << "";
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"--policy", policy, "--trace", bad_trace}, "bad.csv:3: requests: \"many\" is not a number"},
      {{"--policy", policy, "--trace", empty}, "e.csv: empty trace"},
      {{"--policy", bad_policy, "--trace", trace}, "minmax.yaml:1: spec.minHosts (5) is above spec.maxHosts (2)"},
      {{"--policy", (*dir)->File("nope.yaml"), "--trace", trace}, "nope.yaml: cannot read the file"},
      {{"--policy", policy, "--trace", trace, "--capacity-per-host", "0"}, "capacity per host must be above 0"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {Binary(), "scale", "simulate"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = harness::RunCommand(argv);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 2) << c.err;
    EXPECT_NE(r->err.find(c.err), std::string::npos) << r->err;
  }
}

}  // namespace
}  // namespace kelola
