#include "alerting/routing.h"

namespace kelola {
namespace {

std::string QuoteValue(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const ConfigSchema& RouteSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "receiver", .type = ConfigType::kString, .description = "the receiver's name."});
    s.Add({.name = "matchers",
           .type = ConfigType::kString,
           .description = "Alertmanager matchers, all of which must match: a list of `name=\"value\"`, "
                          "`name!=\"value\"`, `name=~\"regex\"`, `name!~\"regex\"`; empty matches every alert."});
    s.Add({.name = "group_by", .type = ConfigType::kStringList, .description = "default: the root's group_by."});
    s.Add({.name = "group_wait", .type = ConfigType::kDuration, .default_value = "0"});
    s.Add({.name = "group_interval", .type = ConfigType::kDuration, .default_value = "0"});
    s.Add({.name = "repeat_interval", .type = ConfigType::kDuration, .default_value = "0"});
    s.Add({.name = "continue", .type = ConfigType::kBool, .default_value = "false"});
    s.Add({.name = "send_resolved", .type = ConfigType::kBool, .default_value = "true"});
    return s;
  }();
  return schema;
}

const ConfigSchema& InhibitSchema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    s.Add({.name = "source_matchers", .type = ConfigType::kString});
    s.Add({.name = "target_matchers", .type = ConfigType::kString});
    s.Add({.name = "equal", .type = ConfigType::kStringList});
    return s;
  }();
  return schema;
}

Result<Matchers> MatchersField(const ConfigObject& item, const Config& config, const char* field) {
  auto m = ParseMatchers(config.GetString(field));
  if (!m.ok()) {
    auto f = item.fields.find(field);
    return InvalidArgumentError((f == item.fields.end() ? item.source : f->second.source) + ": " + field + ": " +
                                m.status().message());
  }
  return m;
}

void SetGroupBy(Route& route, std::vector<std::string> group_by) {
  route.group_by_all = group_by.size() == 1 && group_by[0] == "...";
  route.group_by = route.group_by_all ? std::vector<std::string>{} : std::move(group_by);
}

Status CheckGroupBy(const Route& route, const std::string& where) {
  for (const std::string& name : route.group_by) {
    if (!IsLabelName(name)) return InvalidArgumentError(where + ": group_by: \"" + name + "\" is not a label name");
  }
  return OkStatus();
}

}  // namespace

std::vector<const Route*> MatchRoutes(const RoutingConfig& config, const LabelSet& labels) {
  std::vector<const Route*> out;
  for (const Route& route : config.routes) {
    if (!MatchesAll(route.matchers, labels)) continue;
    out.push_back(&route);
    if (!route.continue_matching) break;
  }
  if (out.empty() && !config.root.receiver.empty()) out.push_back(&config.root);
  return out;
}

LabelSet GroupLabels(const Route& route, const LabelSet& labels) {
  if (route.group_by_all) return labels;
  LabelSet out;
  for (const std::string& name : route.group_by) {
    auto it = labels.find(name);
    if (it != labels.end()) out.emplace(name, it->second);
  }
  return out;
}

std::string GroupKey(const Route& route, const LabelSet& group_labels) {
  std::string out = route.key + ":{";
  bool first = true;
  for (const auto& [name, value] : group_labels) {
    if (!first) out += ", ";
    first = false;
    out += name + "=" + QuoteValue(value);
  }
  return out + "}";
}

bool Inhibits(const InhibitRule& rule, const LabelSet& source, const LabelSet& target) {
  if (!MatchesAll(rule.target, target) || !MatchesAll(rule.source, source)) return false;
  // Alertmanager: an alert matching both sides is only inhibited by sources
  // that do not match the target side themselves.
  if (MatchesAll(rule.source, target) && MatchesAll(rule.target, source)) return false;
  for (const std::string& name : rule.equal) {
    auto s = source.find(name);
    auto t = target.find(name);
    std::string_view sv = s == source.end() ? std::string_view() : std::string_view(s->second);
    std::string_view tv = t == target.end() ? std::string_view() : std::string_view(t->second);
    if (sv != tv) return false;
  }
  return true;
}

void AddAlertingConfigKeys(ConfigSchema& s) {
  s.Add({.name = "alerting.receiver",
         .type = ConfigType::kString,
         .description = "the root route's receiver: gets the alerts no route in alerting.routes matched; empty = "
                        "those alerts are kept and listed but not sent."});
  s.Add({.name = "alerting.group_by",
         .type = ConfigType::kStringList,
         .default_value = "alertname",
         .description = "labels that form a notification group (`...` = every label)."});
  s.Add({.name = "alerting.group_wait",
         .type = ConfigType::kDuration,
         .default_value = "30s",
         .description = "how long a new group waits for more alerts before its first notification."});
  s.Add({.name = "alerting.group_interval",
         .type = ConfigType::kDuration,
         .default_value = "5m",
         .description = "the least time between two notifications of a group that changed."});
  s.Add({.name = "alerting.repeat_interval",
         .type = ConfigType::kDuration,
         .default_value = "4h",
         .description = "after this a group that still fires is notified again, though unchanged."});
  s.Add({.name = "alerting.send_resolved",
         .type = ConfigType::kBool,
         .default_value = "true",
         .description = "the root route tells its receiver when the group's alerts resolve."});
  s.Add({.name = "alerting.receivers",
         .type = ConfigType::kObjectList,
         .description = "the receivers routes name: name, type (slack, pagerduty, webhook, alertmanager) and its "
                        "settings (docs/integrations/notifiers.md); config file only."});
  s.Add({.name = "alerting.routes",
         .type = ConfigType::kObjectList,
         .description = "ordered routes: receiver, matchers, group_by, group_wait, group_interval, "
                        "repeat_interval, continue, send_resolved (docs/alerts.md); config file only."});
  s.Add({.name = "alerting.inhibit_rules",
         .type = ConfigType::kObjectList,
         .description = "source_matchers, target_matchers, equal (docs/alerts.md); config file only."});
}

Result<RoutingConfig> RoutingConfigFromConfig(const Config& config) {
  RoutingConfig out;
  Route& root = out.root;
  root.receiver = config.GetString("alerting.receiver");
  SetGroupBy(root, config.GetList("alerting.group_by"));
  KELOLA_RETURN_IF_ERROR(CheckGroupBy(root, "alerting"));
  root.group_wait = config.GetDuration("alerting.group_wait");
  root.group_interval = config.GetDuration("alerting.group_interval");
  root.repeat_interval = config.GetDuration("alerting.repeat_interval");
  root.send_resolved = config.GetBool("alerting.send_resolved");
  root.key = "{}";
  if (root.group_interval <= Duration::zero()) return InvalidArgumentError("alerting.group_interval: must be > 0");
  if (root.repeat_interval <= Duration::zero()) return InvalidArgumentError("alerting.repeat_interval: must be > 0");

  std::vector<ConfigObject> routes = config.GetObjects("alerting.routes");
  for (size_t i = 0; i < routes.size(); ++i) {
    const ConfigObject& item = routes[i];
    KELOLA_ASSIGN_OR_RETURN(Config rc, LoadConfigFromObject(RouteSchema(), item));
    Route route = root;
    route.receiver = rc.GetString("receiver");
    if (route.receiver.empty())
      return InvalidArgumentError(item.source + ": alerting.routes item: receiver is required");
    KELOLA_ASSIGN_OR_RETURN(route.matchers, MatchersField(item, rc, "matchers"));
    if (item.fields.count("group_by")) SetGroupBy(route, rc.GetList("group_by"));
    KELOLA_RETURN_IF_ERROR(CheckGroupBy(route, item.source));
    if (item.fields.count("group_wait")) route.group_wait = rc.GetDuration("group_wait");
    if (item.fields.count("group_interval")) route.group_interval = rc.GetDuration("group_interval");
    if (item.fields.count("repeat_interval")) route.repeat_interval = rc.GetDuration("repeat_interval");
    if (route.group_interval <= Duration::zero() || route.repeat_interval <= Duration::zero()) {
      return InvalidArgumentError(item.source + ": group_interval and repeat_interval must be > 0");
    }
    route.continue_matching = rc.GetBool("continue");
    route.send_resolved = rc.GetBool("send_resolved");
    route.key = "{}/" + FormatMatchers(route.matchers) + "/" + std::to_string(i);
    out.routes.push_back(std::move(route));
  }
  for (const ConfigObject& item : config.GetObjects("alerting.inhibit_rules")) {
    KELOLA_ASSIGN_OR_RETURN(Config ic, LoadConfigFromObject(InhibitSchema(), item));
    InhibitRule rule;
    KELOLA_ASSIGN_OR_RETURN(rule.source, MatchersField(item, ic, "source_matchers"));
    KELOLA_ASSIGN_OR_RETURN(rule.target, MatchersField(item, ic, "target_matchers"));
    rule.equal = ic.GetList("equal");
    for (const std::string& name : rule.equal) {
      if (!IsLabelName(name))
        return InvalidArgumentError(item.source + ": equal: \"" + name + "\" is not a label name");
    }
    if (rule.target.empty()) return InvalidArgumentError(item.source + ": inhibit rule: target_matchers is required");
    out.inhibit_rules.push_back(std::move(rule));
  }
  return out;
}

Status CheckRouteReceivers(const RoutingConfig& config, const std::set<std::string>& known) {
  auto check = [&known](const Route& r, const std::string& where) -> Status {
    if (r.receiver.empty() || known.count(r.receiver)) return OkStatus();
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    return InvalidArgumentError(where + ": receiver \"" + r.receiver +
                                "\" is not configured (known: " + (list.empty() ? "none" : list) + ")");
  };
  KELOLA_RETURN_IF_ERROR(check(config.root, "alerting.receiver"));
  for (size_t i = 0; i < config.routes.size(); ++i) {
    KELOLA_RETURN_IF_ERROR(check(config.routes[i], "alerting.routes[" + std::to_string(i) + "]"));
  }
  return OkStatus();
}

}  // namespace kelola
