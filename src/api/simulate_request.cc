#include "api/simulate_request.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "scale/scaling_policy.h"

namespace kelola {
namespace {

using json = nlohmann::json;

Status Field(const std::string& name, const std::string& what) { return InvalidArgumentError(name + ": " + what); }

Result<double> Number(const json& obj, const std::string& key, const std::string& where, double lo, double hi) {
  const json& v = obj.at(key);
  if (!v.is_number()) return Field(where + key, "expected a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    return Field(where + key, "expected a number from " + json(lo).dump() + " to " + json(hi).dump());
  }
  return d;
}

Result<int> Integer(const json& obj, const std::string& key, const std::string& where, int lo, int hi) {
  const json& v = obj.at(key);
  if (!v.is_number_integer() && !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())) {
    return Field(where + key, "expected an integer");
  }
  const double d = v.get<double>();
  if (d < lo || d > hi)
    return Field(where + key, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return static_cast<int>(d);
}

Status DecodeModel(const json& m, CapacityModel& model) {
  if (!m.is_object()) return Field("model", "expected an object");
  for (const auto& [key, value] : m.items()) {
    (void)value;
    if (key == "capacityPerHost") {
      KELOLA_ASSIGN_OR_RETURN(model.capacity_per_host, Number(m, key, "model.", 0.001, 1e12));
    } else if (key == "bootSeconds") {
      KELOLA_ASSIGN_OR_RETURN(model.boot_seconds, Integer(m, key, "model.", 0, 86400));
    } else if (key == "intervalSeconds") {
      KELOLA_ASSIGN_OR_RETURN(model.interval_seconds, Integer(m, key, "model.", 1, 60));
    } else if (key == "sloUtilization") {
      KELOLA_ASSIGN_OR_RETURN(model.slo_utilization, Number(m, key, "model.", 0.01, 1));
    } else if (key == "flapWindowSeconds") {
      KELOLA_ASSIGN_OR_RETURN(model.flap_window_seconds, Integer(m, key, "model.", 0, 86400));
    } else if (key == "initialHosts") {
      KELOLA_ASSIGN_OR_RETURN(model.initial_hosts, Integer(m, key, "model.", 0, 100000));
    } else if (key == "loadScale") {
      KELOLA_ASSIGN_OR_RETURN(model.load_scale, Number(m, key, "model.", 0.001, 1000));
    } else {
      return Field("model." + key.substr(0, 64), "unknown field");
    }
  }
  return OkStatus();
}

Result<PolicySet> DecodeSet(const json& s, size_t i) {
  const std::string where = "policySets[" + std::to_string(i) + "]";
  if (!s.is_object()) return Field(where, "expected an object {\"name\", \"policies\"}");
  PolicySet set;
  std::string text;
  for (const auto& [key, value] : s.items()) {
    if (key == "name") {
      if (!value.is_string()) return Field(where + ".name", "expected a string");
      set.name = value.get<std::string>().substr(0, 64);
    } else if (key == "policies") {
      if (!value.is_string())
        return Field(where + ".policies", "expected a string (a ScalingPolicy file, YAML or JSON)");
      text = value.get<std::string>();
    } else {
      return Field(where + "." + key.substr(0, 64), "unknown field");
    }
  }
  if (text.empty()) return Field(where + ".policies", "required");
  auto policies = ParseScalingPolicyFile(text, where + ".policies");
  if (!policies.ok()) return policies.status();
  if (policies->empty()) return Field(where + ".policies", "no ScalingPolicy in it");
  if (set.name.empty()) {
    set.name = (*policies)[0].name;
    for (size_t k = 1; k < policies->size(); ++k) set.name += "+" + (*policies)[k].name;
  }
  set.policies = std::move(*policies);
  return set;
}

// The maximum of each of at most `points` equal buckets.
template <typename T>
json Reduce(const std::vector<T>& v, size_t bucket) {
  json out = json::array();
  for (size_t i = 0; i < v.size(); i += bucket) {
    T m = v[i];
    for (size_t k = i; k < std::min(v.size(), i + bucket); ++k) m = std::max(m, v[k]);
    out.push_back(m);
  }
  return out;
}

}  // namespace

Result<SimulateRequest> DecodeSimulateRequest(std::string_view body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgumentError("body: not valid JSON");
  if (!doc.is_object()) return InvalidArgumentError("body: expected a JSON object");
  SimulateRequest req;
  std::string trace_text, start = "2026-01-01T00:00:00Z";
  bool have_sets = false;
  for (const auto& [key, value] : doc.items()) {
    if (key == "trace") {
      if (!value.is_string()) return Field("trace", "expected a string (the trace file's text)");
      trace_text = value.get<std::string>();
    } else if (key == "start") {
      if (!value.is_string()) return Field("start", "expected an RFC 3339 time");
      start = value.get<std::string>();
    } else if (key == "baseline") {
      if (!value.is_boolean()) return Field("baseline", "expected true or false");
      req.baseline = value.get<bool>();
    } else if (key == "model") {
      KELOLA_RETURN_IF_ERROR(DecodeModel(value, req.model));
    } else if (key == "policySets") {
      if (!value.is_array() || value.empty() || value.size() > kMaxSimulatePolicySets) {
        return Field("policySets", "expected an array of 1 to " + std::to_string(kMaxSimulatePolicySets) + " sets");
      }
      for (size_t i = 0; i < value.size(); ++i) {
        KELOLA_ASSIGN_OR_RETURN(PolicySet set, DecodeSet(value[i], i));
        req.sets.push_back(std::move(set));
      }
      have_sets = true;
    } else {
      return Field(key.substr(0, 64), "unknown field");
    }
  }
  if (trace_text.empty()) return Field("trace", "required");
  if (!have_sets) return Field("policySets", "required");
  auto when = ParseRfc3339(start);
  if (!when.ok()) return Field("start", when.status().message());
  auto trace = ParseLoadTrace(trace_text, "trace", *when);
  if (!trace.ok()) return trace.status();
  if (trace->requests.size() > kMaxSimulateMinutes) {
    return Field("trace",
                 "longer than " + std::to_string(kMaxSimulateMinutes) +
                     " minutes; the API simulates up to 14 days (use `kelola scale simulate` for longer traces)");
  }
  req.trace = std::move(*trace);
  return req;
}

Result<std::string> RunSimulation(const SimulateRequest& request) {
  std::vector<PolicySet> sets = request.sets;
  if (request.baseline && !sets.empty() && !sets[0].policies.empty()) {
    const ScalingPolicySpec* like = &sets[0].policies[0];
    for (const auto& p : sets[0].policies) {
      if (p.target_tracking) {
        like = &p;
        break;
      }
    }
    sets.push_back(HpaBaseline(*like));
  }
  const size_t minutes = request.trace.requests.size();
  const size_t bucket = std::max<size_t>(1, (minutes + kMaxSimulatePlotPoints - 1) / kMaxSimulatePlotPoints);
  std::vector<double> demand = request.trace.requests;
  for (double& d : demand) d *= request.model.load_scale;
  json results = json::array();
  for (const PolicySet& set : sets) {
    auto r = Simulate(request.trace, set, request.model);
    if (!r.ok()) return r.status().WithContext("policy set " + set.name);
    results.push_back({{"name", r->name},
                       {"hostHours", r->host_hours},
                       {"minutesOverSlo", r->minutes_over_slo},
                       {"minutesOverloaded", r->minutes_overloaded},
                       {"unservedRequests", r->unserved_requests},
                       {"scalingActions", r->scaling_actions},
                       {"flaps", r->flaps},
                       {"minHosts", r->min_hosts},
                       {"maxHosts", r->max_hosts},
                       {"meanUtilization", r->mean_utilization},
                       {"hosts", Reduce(r->hosts, bucket)},
                       {"capacity", Reduce(r->capacity, bucket)}});
  }
  json out = {{"minutes", minutes},
              {"bucketMinutes", bucket},
              {"start", FormatRfc3339(request.trace.start)},
              {"demand", Reduce(demand, bucket)},
              {"results", std::move(results)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kelola
