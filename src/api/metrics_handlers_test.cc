// POST /v1/metrics/samples: where a batch's group comes from (docs/metrics.md,
// "Sending"): the agent's own `group`, else the kelola.io/group label of the
// Host resource of the same name — the label the fleet puts on its hosts, so
// an autoscaled group's agents need no group in their config.
#include "api/metrics_handlers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/in_process_api_for_test.h"

namespace kelola {
namespace {

using json = nlohmann::json;

class MetricSamplesGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterMetricsRoutes(*api_.server, *api_.ctx, series_, registry_);
    api_.Start();
  }

  void PutHost(const std::string& name, std::map<std::string, std::string> labels) {
    Resource r;
    r.kind = "Host";
    r.name = name;
    r.labels = std::move(labels);
    r.spec_json = R"({"address":"10.0.0.9"})";
    ASSERT_TRUE(api_.store->PutResource(r, {}).ok());
  }

  int Post(const std::string& host, const std::string& group = "") {
    json batch = {
        {"host", host},
        {"samples", json::array({{{"time", UnixMillis(api_.clock.Now())}, {"values", {{"cpu_busy_percent", 42.0}}}}})}};
    if (!group.empty()) batch["group"] = group;
    return api_.Call("POST", "/v1/metrics/samples", batch.dump()).status;
  }

  InProcessApi api_;
  metrics::SeriesStore series_;
  MetricsRegistry registry_;
};

TEST_F(MetricSamplesGroupTest, ABatchWithoutGroupTakesItsHostsFleetLabel) {
  PutHost("web-1", {{"kelola.io/group", "web"}, {"app", "shop"}});
  ASSERT_EQ(Post("web-1"), 200);
  EXPECT_EQ(series_.GroupOf("web-1"), "web");
  metrics::AggregateQuery q;
  q.metric = "cpu_busy_percent";
  q.group = "web";
  q.at_ms = UnixMillis(api_.clock.Now());
  auto r = series_.Query(q);
  EXPECT_EQ(r.hosts, 1u);
  EXPECT_EQ(r.value, std::optional<double>(42.0));
}

TEST_F(MetricSamplesGroupTest, TheAgentsOwnGroupWins) {
  PutHost("web-1", {{"kelola.io/group", "web"}});
  ASSERT_EQ(Post("web-1", "canary"), 200);
  EXPECT_EQ(series_.GroupOf("web-1"), "canary");
}

TEST_F(MetricSamplesGroupTest, NoHostOrNoLabelMeansNoGroup) {
  ASSERT_EQ(Post("stranger"), 200);
  EXPECT_EQ(series_.GroupOf("stranger"), "");
  PutHost("plain", {{"app", "shop"}});
  ASSERT_EQ(Post("plain"), 200);
  EXPECT_EQ(series_.GroupOf("plain"), "");
}

TEST_F(MetricSamplesGroupTest, AHostMovedToAnotherGroupReportsUnderTheNewOne) {
  PutHost("web-1", {{"kelola.io/group", "web"}});
  ASSERT_EQ(Post("web-1"), 200);
  PutHost("web-1", {{"kelola.io/group", "batch"}});
  api_.clock.Advance(std::chrono::seconds(10));
  ASSERT_EQ(Post("web-1"), 200);
  EXPECT_EQ(series_.GroupOf("web-1"), "batch");
}

}  // namespace
}  // namespace kelola
