#include "alerting/routing.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

Result<RoutingConfig> Load(const std::string& yaml) {
  ConfigSchema schema;
  AddAlertingConfigKeys(schema);
  KELOLA_ASSIGN_OR_RETURN(Config config, LoadConfigFromString(schema, yaml, "server.yaml", {}, {}));
  return RoutingConfigFromConfig(config);
}

constexpr const char* kConfig = R"(alerting:
  receiver: ops
  group_by: [alertname]
  group_wait: 10s
  routes:
    - receiver: api-slack
      matchers: ['service="api"', 'severity=~"critical|error"']
      group_by: [alertname, service]
      continue: true
    - receiver: pager
      matchers: ['severity="critical"']
      repeat_interval: 1h
      send_resolved: false
  inhibit_rules:
    - source_matchers: ['severity="critical"']
      target_matchers: ['severity="warning"']
      equal: [service]
)";

TEST(RoutingTest, LoadsRoutesWithInheritedDefaults) {
  auto c = Load(kConfig);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->root.receiver, "ops");
  ASSERT_EQ(c->routes.size(), 2u);
  const Route& api = c->routes[0];
  EXPECT_EQ(api.receiver, "api-slack");
  EXPECT_EQ(FormatMatchers(api.matchers), R"({service="api", severity=~"critical|error"})");
  EXPECT_EQ(api.group_by, (std::vector<std::string>{"alertname", "service"}));
  EXPECT_EQ(api.group_wait, std::chrono::seconds(10));
  EXPECT_EQ(api.group_interval, std::chrono::minutes(5));
  EXPECT_TRUE(api.continue_matching);
  const Route& pager = c->routes[1];
  EXPECT_EQ(pager.group_by, (std::vector<std::string>{"alertname"}));
  EXPECT_EQ(pager.repeat_interval, std::chrono::hours(1));
  EXPECT_FALSE(pager.send_resolved);
  ASSERT_EQ(c->inhibit_rules.size(), 1u);
  EXPECT_EQ(c->inhibit_rules[0].equal, std::vector<std::string>{"service"});
  EXPECT_TRUE(CheckRouteReceivers(*c, {"ops", "api-slack", "pager"}).ok());
  Status missing = CheckRouteReceivers(*c, {"ops"});
  EXPECT_NE(missing.message().find("alerting.routes[0]: receiver \"api-slack\" is not configured"), std::string::npos)
      << missing.message();
}

TEST(RoutingTest, MatchesFirstRouteAndContinues) {
  auto c = Load(kConfig).value();
  auto receivers = [&c](const LabelSet& labels) {
    std::vector<std::string> out;
    for (const Route* r : MatchRoutes(c, labels)) out.push_back(r->receiver);
    return out;
  };
  EXPECT_EQ(receivers({{"service", "api"}, {"severity", "critical"}}),
            (std::vector<std::string>{"api-slack", "pager"}));
  EXPECT_EQ(receivers({{"service", "api"}, {"severity", "error"}}), std::vector<std::string>{"api-slack"});
  EXPECT_EQ(receivers({{"service", "web"}, {"severity", "critical"}}), std::vector<std::string>{"pager"});
  EXPECT_EQ(receivers({{"service", "web"}}), std::vector<std::string>{"ops"});
  const Route& api = c.routes[0];
  LabelSet g = GroupLabels(api, {{"alertname", "Spike"}, {"service", "api"}, {"pod", "x"}});
  EXPECT_EQ(GroupKey(api, g), R"({}/{service="api", severity=~"critical|error"}/0:{alertname="Spike", service="api"})");
}

TEST(RoutingTest, InhibitionNeedsEqualLabelsAndNeverSelfInhibits) {
  auto c = Load(kConfig).value();
  const InhibitRule& rule = c.inhibit_rules[0];
  LabelSet crit{{"severity", "critical"}, {"service", "api"}};
  EXPECT_TRUE(Inhibits(rule, crit, {{"severity", "warning"}, {"service", "api"}}));
  EXPECT_FALSE(Inhibits(rule, crit, {{"severity", "warning"}, {"service", "web"}}));
  EXPECT_FALSE(Inhibits(rule, crit, {{"severity", "critical"}, {"service", "api"}}));
  InhibitRule both;
  both.source = ParseMatchers(R"(team="a")").value();
  both.target = ParseMatchers(R"(team="a")").value();
  EXPECT_FALSE(Inhibits(both, {{"team", "a"}, {"x", "1"}}, {{"team", "a"}, {"x", "2"}}));
}

TEST(RoutingTest, BadConfigNamesWhere) {
  struct Case {
    std::string yaml;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"alerting:\n  routes:\n    - matchers: ['a=\"b\"']\n",
            "server.yaml:3:7: alerting.routes item: receiver is required"},
           {"alerting:\n  routes:\n    - receiver: x\n      matchers: ['a=~\"(\"']\n",
            "server.yaml:4:17: matchers: at offset"},
           {"alerting:\n  routes:\n    - receiver: x\n      grup_by: [a]\n", "unknown key \"grup_by\""},
           {"alerting:\n  group_by: [bad-name]\n", "group_by: \"bad-name\" is not a label name"},
           {"alerting:\n  inhibit_rules:\n    - source_matchers: ['a=\"b\"']\n", "target_matchers is required"},
       }) {
    auto r = Load(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.status().message().find(c.error), std::string::npos) << c.yaml << " -> " << r.status().message();
  }
}

}  // namespace
}  // namespace kelola
