#include "autoscale/scaling_status.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxHostsInDecision = 200;

json PolicyJson(const PolicyExplanation& e, const GroupObservation& g, const MetricReading* r) {
  json p = {{"policy", e.policy},
            {"metric", e.metric},
            {"value", e.value},
            {"target", e.target},
            {"hostsCounted", e.hosts_counted},
            {"hostsWarming", e.hosts_warming},
            {"hostsMissing", e.hosts_missing},
            {"min", e.min},
            {"max", e.max},
            {"formula", e.formula},
            {"raw", e.raw},
            {"stabilized", e.stabilized},
            {"recommended", e.recommended},
            {"limit", std::string(ScalingLimitName(e.limit))},
            {"limitDetail", e.limit_detail}};
  if (!e.metric_status.ok()) p["metricError"] = e.metric_status.ToString();
  if (!e.active_schedules.empty()) p["schedules"] = e.active_schedules;
  if (r != nullptr && r->status.ok() && r->per_host && r->host_values.size() == g.hosts.size()) {
    json hosts = json::array();
    for (size_t i = 0; i < g.hosts.size() && i < kMaxHostsInDecision; ++i) {
      json h = {{"name", g.hosts[i].name}, {"ready", g.hosts[i].ready_since.has_value()}};
      h["value"] = r->host_values[i] ? json(*r->host_values[i]) : json(nullptr);
      if (g.hosts[i].ready_since) h["readySince"] = FormatRfc3339(*g.hosts[i].ready_since);
      hosts.push_back(std::move(h));
    }
    p["hosts"] = std::move(hosts);
    if (g.hosts.size() > kMaxHostsInDecision) p["hostsTruncated"] = g.hosts.size() - kMaxHostsInDecision;
  } else if (r != nullptr && r->status.ok() && !r->per_host && !e.metric.empty()) {
    p["groupValue"] = r->value;
  }
  return p;
}

json Pairs(const std::vector<ScalingHistory::ScaleEvent>& events) {
  json a = json::array();
  for (const auto& e : events) a.push_back(json::array({UnixMillis(e.at), e.change}));
  return a;
}

WallTime FromMillis(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

// [[ms, n], ...] -> fn(ms, n); entries of another shape are skipped.
template <typename Fn>
void ReadPairs(const json& a, Fn fn) {
  if (!a.is_array()) return;
  for (const json& e : a) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer()) continue;
    fn(e[0].get<int64_t>(), e[1].get<int>());
  }
}

}  // namespace

std::string EncodeDecision(const ScalingDecision& d, const GroupObservation& group,
                           const std::vector<MetricReading>& readings, const DecisionOutcome& outcome) {
  json doc = {{"group", d.group},          {"at", FormatRfc3339(d.at)},   {"current", d.current},
              {"desired", d.desired},      {"hosts", group.hosts.size()}, {"decidingPolicy", d.deciding_policy},
              {"dryRun", outcome.dry_run}, {"acted", outcome.acted},      {"explanation", d.Explain()}};
  if (!outcome.error.empty()) doc["error"] = outcome.error;
  json policies = json::array();
  for (size_t i = 0; i < d.policies.size(); ++i) {
    policies.push_back(PolicyJson(d.policies[i], group, i < readings.size() ? &readings[i] : nullptr));
  }
  doc["policies"] = std::move(policies);
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string DecisionSignature(const ScalingDecision& d, const DecisionOutcome& outcome) {
  std::string s = fmt::format("{}->{}", d.current, d.desired);
  for (const auto& e : d.policies) {
    s += fmt::format("|{}:{}:{}:{}", e.policy, e.raw, e.recommended, ScalingLimitName(e.limit));
  }
  if (outcome.dry_run) s += "|dry-run";
  if (!outcome.error.empty()) s += "|error";
  return s;
}

PolicyScalingStatus DecodePolicyScalingStatus(const std::string& status_json) {
  PolicyScalingStatus s;
  json doc = json::parse(status_json, nullptr, false);
  if (!doc.is_object()) return s;
  if (auto it = doc.find("lastEvaluation"); it != doc.end() && it->is_string()) {
    if (auto t = ParseRfc3339(it->get<std::string>()); t.ok()) s.last_evaluation = *t;
  }
  if (auto it = doc.find("recommendations"); it != doc.end()) {
    ReadPairs(*it, [&](int64_t ms, int n) { s.recommendations.push_back({FromMillis(ms), n}); });
  }
  if (auto it = doc.find("scaleEvents"); it != doc.end() && it->is_object()) {
    if (auto up = it->find("up"); up != it->end()) {
      ReadPairs(*up, [&](int64_t ms, int n) { s.scale_up.push_back({FromMillis(ms), n}); });
    }
    if (auto down = it->find("down"); down != it->end()) {
      ReadPairs(*down, [&](int64_t ms, int n) { s.scale_down.push_back({FromMillis(ms), n}); });
    }
  }
  if (auto it = doc.find("lastDecision"); it != doc.end() && it->is_object()) s.last_decision_json = it->dump();
  if (auto it = doc.find("signature"); it != doc.end() && it->is_string()) s.signature = it->get<std::string>();
  return s;
}

std::string EncodePolicyScalingStatus(const PolicyScalingStatus& s) {
  json doc = json::object();
  if (s.last_evaluation) doc["lastEvaluation"] = FormatRfc3339(*s.last_evaluation);
  json recs = json::array();
  for (const auto& r : s.recommendations) recs.push_back(json::array({UnixMillis(r.at), r.hosts}));
  doc["recommendations"] = std::move(recs);
  doc["scaleEvents"] = {{"up", Pairs(s.scale_up)}, {"down", Pairs(s.scale_down)}};
  if (!s.last_decision_json.empty()) {
    json d = json::parse(s.last_decision_json, nullptr, false);
    if (!d.is_discarded()) doc["lastDecision"] = std::move(d);
  }
  if (!s.signature.empty()) doc["signature"] = s.signature;
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kelola
