#include "scale/simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kelola {
namespace {

struct SimHost {
  WallTime requested;
  WallTime ready_at;
};

// The capacity model as a MetricReader: the same seam the live controller
// reads its time-series store through.
class CapacityModelReader final : public MetricReader {
 public:
  double utilization = 0;
  double per_host_requests = 0;
  WallTime now;

  Result<MetricReading> Read(const std::string&, const std::string& metric,
                             const std::vector<ScalingHost>& hosts) override {
    MetricReading r;
    r.per_host = true;
    double v = 0;
    if (metric == "utilization") {
      v = utilization;
    } else if (metric == "cpu") {
      v = std::min(100.0, 100.0 * utilization);
    } else if (metric == "requests") {
      v = per_host_requests;
    } else {
      return NotFoundError("the simulator serves no metric \"" + metric + "\"");
    }
    r.host_values.reserve(hosts.size());
    for (const auto& h : hosts) {
      r.host_values.push_back(h.ready_since && *h.ready_since <= now ? std::optional<double>(v) : std::nullopt);
    }
    return r;
  }
};

}  // namespace

bool SimulatorServesMetric(const std::string& metric) {
  return metric == "utilization" || metric == "cpu" || metric == "requests";
}

PolicySet HpaBaseline(const ScalingPolicySpec& like) {
  ScalingPolicySpec p;
  p.name = "hpa-baseline";
  p.group = like.group;
  p.min_hosts = like.min_hosts;
  p.max_hosts = like.max_hosts;
  TargetTrackingSpec t;
  t.metric = "cpu";
  t.target = 80;
  if (like.target_tracking) {
    t.metric = like.target_tracking->metric;
    t.target = like.target_tracking->target;
  }
  p.target_tracking = t;
  return {"hpa-baseline", {p}};
}

Result<SimulationResult> Simulate(const LoadTrace& trace, const PolicySet& set, const CapacityModel& model) {
  if (set.policies.empty()) return InvalidArgumentError(set.name + ": no policies");
  if (!(model.capacity_per_host > 0) || !std::isfinite(model.capacity_per_host)) {
    return InvalidArgumentError("capacity per host must be above 0");
  }
  if (model.boot_seconds < 0 || model.boot_seconds > 86400) {
    return InvalidArgumentError("boot seconds must be between 0 and 86400");
  }
  if (model.interval_seconds < 1 || model.interval_seconds > 60 || 60 % model.interval_seconds != 0) {
    return InvalidArgumentError("the interval must divide a minute (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 s)");
  }
  if (!(model.slo_utilization > 0)) return InvalidArgumentError("the SLO utilization must be above 0");
  if (!(model.load_scale > 0) || !std::isfinite(model.load_scale)) {
    return InvalidArgumentError("the load scale must be above 0");
  }
  if (trace.requests.empty()) return InvalidArgumentError("the trace is empty");
  int floor = 0;
  for (const auto& p : set.policies) {
    if (p.group != set.policies[0].group) {
      return InvalidArgumentError(set.name + ": policy " + p.name + " scales group " + p.group + ", policy " +
                                  set.policies[0].name + " scales " + set.policies[0].group +
                                  " (simulate one group at a time)");
    }
    if (!p.metric().empty() && !SimulatorServesMetric(p.metric())) {
      return InvalidArgumentError(set.name + ": policy " + p.name + ": metric \"" + p.metric() +
                                  "\" is not one the simulator models (cpu, utilization, requests)");
    }
    floor = std::max(floor, p.min_hosts);
  }

  SimulationResult res;
  res.name = set.name;
  res.hosts.reserve(trace.requests.size());
  res.capacity.reserve(trace.requests.size());
  CapacityModelReader reader;
  ScalingHistory history;
  GroupObservation group;
  group.group = set.policies[0].group;
  std::vector<SimHost> hosts;
  const int initial = model.initial_hosts > 0 ? model.initial_hosts : std::max(1, floor);
  const Duration boot = std::chrono::seconds(model.boot_seconds);
  for (int i = 0; i < initial; ++i) {
    hosts.push_back({trace.start - boot, trace.start});
    group.hosts.push_back({"h" + std::to_string(i + 1), trace.start});
  }
  int next_id = initial + 1;
  res.min_hosts = res.max_hosts = initial;
  int last_direction = 0;
  WallTime last_action;
  double utilization_sum = 0;
  int utilization_minutes = 0;
  const int ticks = 60 / model.interval_seconds;
  const double tick_hours = model.interval_seconds / 3600.0;

  for (size_t minute = 0; minute < trace.requests.size(); ++minute) {
    const double load = trace.requests[minute] * model.load_scale;
    double ready_sum = 0;
    for (int tick = 0; tick < ticks; ++tick) {
      const WallTime now =
          trace.start + std::chrono::minutes(minute) + std::chrono::seconds(tick * model.interval_seconds);
      int ready = 0;
      for (size_t i = 0; i < hosts.size(); ++i) {
        const bool is_ready = hosts[i].ready_at <= now;
        ready += is_ready ? 1 : 0;
        group.hosts[i].ready_since = is_ready ? std::optional<WallTime>(hosts[i].ready_at) : std::nullopt;
      }
      group.current = static_cast<int>(hosts.size());
      reader.now = now;
      reader.utilization = ready > 0 ? load / (ready * model.capacity_per_host) : (load > 0 ? 1e9 : 0);
      reader.per_host_requests = ready > 0 ? load / ready : 0;
      ScalingDecision d = Decide(set.policies, group, ReadPolicyMetrics(reader, set.policies, group), now, history);
      if (d.desired != group.current) {
        history.RecordScale(now, group.current, d.desired);
        const int direction = d.desired > group.current ? 1 : -1;
        ++res.scaling_actions;
        if (last_direction != 0 && direction != last_direction &&
            now - last_action < std::chrono::seconds(model.flap_window_seconds)) {
          ++res.flaps;
        }
        last_direction = direction;
        last_action = now;
        while (static_cast<int>(hosts.size()) < d.desired) {
          hosts.push_back({now, now + boot});
          group.hosts.push_back({"h" + std::to_string(next_id++), std::nullopt});
        }
        // Scale in: booting hosts first, then the newest Ready ones.
        while (static_cast<int>(hosts.size()) > d.desired) {
          size_t victim = hosts.size() - 1;
          for (size_t i = hosts.size(); i-- > 0;) {
            if (hosts[i].ready_at > now) {
              victim = i;
              break;
            }
          }
          hosts.erase(hosts.begin() + static_cast<std::ptrdiff_t>(victim));
          group.hosts.erase(group.hosts.begin() + static_cast<std::ptrdiff_t>(victim));
        }
        res.min_hosts = std::min(res.min_hosts, d.desired);
        res.max_hosts = std::max(res.max_hosts, d.desired);
      }
      int ready_after = 0;
      for (const auto& h : hosts) ready_after += h.ready_at <= now ? 1 : 0;
      ready_sum += ready_after;
      res.host_hours += static_cast<double>(hosts.size()) * tick_hours;
    }
    const double capacity = ready_sum / ticks * model.capacity_per_host;
    res.capacity.push_back(capacity);
    res.hosts.push_back(static_cast<int>(hosts.size()));
    const double u = capacity > 0 ? load / capacity : (load > 0 ? std::numeric_limits<double>::infinity() : 0);
    if (u > model.slo_utilization) ++res.minutes_over_slo;
    if (u > 1.0) {
      ++res.minutes_overloaded;
      res.unserved_requests += load - capacity;
    }
    if (capacity > 0) {
      utilization_sum += std::min(u, 1.0);
      ++utilization_minutes;
    }
  }
  res.mean_utilization = utilization_minutes > 0 ? utilization_sum / utilization_minutes : 0;
  return res;
}

}  // namespace kelola
