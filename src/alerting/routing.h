// Routing: which receivers an alert goes to, how alerts are grouped into
// notifications, and which alerts inhibit others — Alertmanager's route and
// inhibit_rules, as server config keys (a flat, ordered list of routes
// under one implicit root rather than a tree; docs/alerts.md):
//
//   alerting:
//     receiver: ops-webhook          # the root route: alerts no route matched
//     group_by: [alertname]
//     group_wait: 30s
//     group_interval: 5m
//     repeat_interval: 4h
//     routes:
//       - receiver: team-api-slack
//         matchers: ['service="api"', 'severity=~"critical|error"']
//         group_by: [alertname, service]
//         continue: true
//     inhibit_rules:
//       - source_matchers: ['severity="critical"']
//         target_matchers: ['severity="warning"']
//         equal: [service]
//
// An alert goes to the first route whose matchers all match, and on to later
// ones while the matched route says `continue`; when none matched, to the
// root receiver (when set). A route inherits the root's group_by and timings
// unless it sets its own. group_by `...` groups by every label.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "alerting/label_matcher.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/config_schema.h"

namespace kelola {

struct Route {
  std::string receiver;
  Matchers matchers;
  std::vector<std::string> group_by;
  bool group_by_all = false;  // group_by: ["..."]
  Duration group_wait = std::chrono::seconds(30);
  Duration group_interval = std::chrono::minutes(5);
  Duration repeat_interval = std::chrono::hours(4);
  bool continue_matching = false;
  bool send_resolved = true;
  // Identifies the route in group keys: "{}" for the root, "{}/{matchers}/N"
  // for the N-th route.
  std::string key;
};

struct InhibitRule {
  Matchers source;
  Matchers target;
  std::vector<std::string> equal;
};

struct RoutingConfig {
  Route root;  // receiver empty: alerts no route matched are not sent
  std::vector<Route> routes;
  std::vector<InhibitRule> inhibit_rules;
  std::string external_url;  // kelola's base URL, for links in notifications (server key external_url)
};

// The routes `labels` goes to, in order (see above).
std::vector<const Route*> MatchRoutes(const RoutingConfig& config, const LabelSet& labels);
// The labels of `labels` named by the route's group_by.
LabelSet GroupLabels(const Route& route, const LabelSet& labels);
// Alertmanager's group key: route key, ':', the group labels as `{a="b"}`.
std::string GroupKey(const Route& route, const LabelSet& group_labels);

// Does the rule make `target` inhibited by `source`? (Both firing is the
// caller's concern.) An alert matching both sides cannot be inhibited by
// an alert that also matches both, so a rule never silences its own source.
bool Inhibits(const InhibitRule& rule, const LabelSet& source, const LabelSet& target);

// Declares alerting.* in the server's schema.
void AddAlertingConfigKeys(ConfigSchema& schema);
// Reads alerting.*; InvalidArgument naming the item's position and field.
Result<RoutingConfig> RoutingConfigFromConfig(const Config& config);
// Every receiver a route names must be in `known`.
Status CheckRouteReceivers(const RoutingConfig& config, const std::set<std::string>& known);

}  // namespace kelola
