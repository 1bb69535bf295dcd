#include "scale/autoscaler.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include <fmt/format.h>

namespace kelola {
namespace {

// ceil() that does not turn 6.000000000001 (floating-point noise in
// ratio × hosts) into 7.
int CeilHosts(double x) {
  const double c = std::ceil(x - 1e-9);
  if (c > 1e6) return 1'000'000;
  return c < 0 ? 0 : static_cast<int>(c);
}

struct Bounds {
  int min = 0;
  int max = 0;
  std::optional<int> desired;
  std::vector<std::string> schedules;
  bool min_from_schedule = false;
  bool max_from_schedule = false;
};

Bounds EffectiveBounds(const ScalingPolicySpec& p, WallTime now) {
  Bounds b{p.min_hosts, p.max_hosts, {}, {}, false, false};
  std::optional<int> smin, smax;
  for (const auto& s : p.scheduled) {
    if (!s.cron.Matches(now)) continue;
    b.schedules.push_back(s.cron.text());
    if (s.min) smin = std::max(smin.value_or(0), *s.min);
    if (s.max) smax = std::max(smax.value_or(0), *s.max);
    if (s.desired) b.desired = std::max(b.desired.value_or(0), *s.desired);
  }
  if (smin) {
    b.min = *smin;
    b.min_from_schedule = true;
  }
  if (smax) {
    b.max = *smax;
    b.max_from_schedule = true;
  }
  if (b.min > b.max) b.max = b.min;  // a schedule's min above the policy's max wins
  return b;
}

bool Warm(const ScalingHost& h, int warmup_seconds, WallTime now) {
  return h.ready_since && now >= *h.ready_since + std::chrono::seconds(warmup_seconds);
}

// The HPA's replica calculator for a per-host metric (calcPlainMetricReplicas):
// warming hosts are unready pods, warm hosts without a sample are missing pods.
void TargetTrackingPerHost(const TargetTrackingSpec& t, const ScalingPolicySpec& p, const GroupObservation& g,
                           const MetricReading& r, WallTime now, PolicyExplanation& e, bool& no_metrics) {
  double sum = 0;
  int counted = 0, unready = 0, missing = 0;
  const size_t n = std::min(g.hosts.size(), r.host_values.size());
  for (size_t i = 0; i < g.hosts.size(); ++i) {
    if (!Warm(g.hosts[i], p.warmup_seconds, now)) {
      ++unready;
    } else if (i >= n || !r.host_values[i]) {
      ++missing;
    } else {
      sum += *r.host_values[i];
      ++counted;
    }
  }
  e.hosts_counted = counted;
  e.hosts_warming = unready;
  e.hosts_missing = missing;
  if (counted == 0) {
    no_metrics = true;
    return;
  }
  const double avg = sum / counted;
  e.value = avg;
  const double ratio = avg / t.target;
  const bool up_with_unready = unready > 0 && ratio > 1.0;
  if (!up_with_unready && missing == 0) {
    if (std::abs(1.0 - ratio) <= t.tolerance) {
      e.raw = g.current;
      e.limit = ScalingLimit::kTolerance;
      e.formula = fmt::format("{:.1f} / {:.1f} = {:.3f} is within 1 ± {:g}: hold {}", avg, t.target, ratio, t.tolerance,
                              g.current);
      return;
    }
    e.raw = CeilHosts(ratio * counted);
    e.formula = fmt::format("ceil({} × {:.1f} / {:.1f}) = {}", counted, avg, t.target, e.raw);
    return;
  }
  // Missing hosts count as exactly on target when scaling in and as idle when
  // scaling out; warming hosts count as idle when scaling out.
  double new_sum = sum;
  int new_count = counted;
  if (missing > 0) {
    if (ratio < 1.0) new_sum += missing * t.target;
    new_count += missing;
  }
  if (up_with_unready) new_count += unready;
  const double new_avg = new_sum / new_count;
  const double new_ratio = new_avg / t.target;
  const std::string assumed =
      fmt::format("{} warm host(s) at {:.1f}{}{}", counted, avg,
                  missing ? fmt::format(", {} without samples at {}", missing, ratio < 1.0 ? "the target" : "0") : "",
                  up_with_unready ? fmt::format(", {} warming at 0", unready) : "");
  if (std::abs(1.0 - new_ratio) <= t.tolerance || (ratio < 1.0 && new_ratio > 1.0) ||
      (ratio > 1.0 && new_ratio < 1.0)) {
    e.raw = g.current;
    e.limit = ScalingLimit::kTolerance;
    e.formula = fmt::format("{}: {:.1f} / {:.1f} = {:.3f} is within tolerance or reverses direction: hold {}", assumed,
                            new_avg, t.target, new_ratio, g.current);
    return;
  }
  const int proposed = CeilHosts(new_ratio * new_count);
  if ((new_ratio < 1.0 && proposed > g.current) || (new_ratio > 1.0 && proposed < g.current)) {
    e.raw = g.current;
    e.limit = ScalingLimit::kNoChange;
    e.formula = fmt::format("{}: ceil({} × {:.1f} / {:.1f}) = {} goes against the metric: hold {}", assumed, new_count,
                            new_avg, t.target, proposed, g.current);
    return;
  }
  e.raw = proposed;
  e.formula = fmt::format("{}: ceil({} × {:.1f} / {:.1f}) = {}", assumed, new_count, new_avg, t.target, proposed);
}

// A group-level value (the HPA's object/external metric path).
void TargetTrackingGroup(const TargetTrackingSpec& t, const GroupObservation& g, const MetricReading& r,
                         PolicyExplanation& e) {
  e.value = r.value;
  const double ratio = r.value / t.target;
  if (g.current == 0) {
    e.raw = CeilHosts(ratio);
    e.formula = fmt::format("ceil({:.1f} / {:.1f}) = {}", r.value, t.target, e.raw);
    return;
  }
  if (std::abs(1.0 - ratio) <= t.tolerance) {
    e.raw = g.current;
    e.limit = ScalingLimit::kTolerance;
    e.formula = fmt::format("{:.1f} / {:.1f} = {:.3f} is within 1 ± {:g}: hold {}", r.value, t.target, ratio,
                            t.tolerance, g.current);
    return;
  }
  int ready = 0;
  for (const auto& h : g.hosts) ready += h.ready_since ? 1 : 0;
  if (g.hosts.empty()) ready = g.current;  // the reader knows no hosts
  e.hosts_counted = ready;
  e.raw = CeilHosts(ratio * ready);
  e.formula = fmt::format("ceil({} × {:.1f} / {:.1f}) = {}", ready, r.value, t.target, e.raw);
}

// AWS step scaling: percent changes round away from zero to one host, then
// toward zero. Scale-out steps start from the warm hosts so that a breach
// held while new hosts warm up does not add them again and again.
void StepScaling(const StepScalingSpec& s, const ScalingPolicySpec& p, const GroupObservation& g,
                 const MetricReading& r, WallTime now, PolicyExplanation& e, bool& no_metrics) {
  int warming = 0;
  if (r.per_host) {
    double sum = 0;
    int counted = 0;
    for (size_t i = 0; i < g.hosts.size(); ++i) {
      if (!Warm(g.hosts[i], p.warmup_seconds, now)) {
        ++warming;
      } else if (i < r.host_values.size() && r.host_values[i]) {
        sum += *r.host_values[i];
        ++counted;
      } else {
        ++e.hosts_missing;
      }
    }
    e.hosts_counted = counted;
    e.hosts_warming = warming;
    if (counted == 0) {
      no_metrics = true;
      return;
    }
    e.value = sum / counted;
  } else {
    e.value = r.value;
  }
  const ScalingStep* step = nullptr;
  for (const auto& st : s.steps) {
    if ((!st.lower || e.value >= *st.lower) && (!st.upper || e.value < *st.upper)) step = &st;
  }
  if (step == nullptr) {
    e.raw = g.current;
    e.limit = ScalingLimit::kNoChange;
    e.formula = fmt::format("{} = {:.1f} is in no step: hold {}", s.metric, e.value, g.current);
    return;
  }
  const int base = step->adjustment > 0 ? std::max(0, g.current - warming) : g.current;
  int change = step->adjustment;
  std::string how = fmt::format("{:+d}", change);
  if (step->type == AdjustmentType::kPercent) {
    const double c = base * step->adjustment / 100.0;
    change = c > 0 ? std::max(1, static_cast<int>(std::floor(c))) : std::min(-1, static_cast<int>(std::ceil(c)));
    how = fmt::format("{:+d}% of {} = {:+d}", step->adjustment, base, change);
  }
  const int proposed = std::max(0, base + change);
  e.raw = step->adjustment > 0 ? std::max(g.current, proposed) : proposed;
  e.formula = fmt::format("{} = {:.1f} in step [{}, {}): {}{} {} = {}", s.metric, e.value,
                          step->lower ? fmt::format("{:g}", *step->lower) : "-inf",
                          step->upper ? fmt::format("{:g}", *step->upper) : "+inf", base,
                          warming && step->adjustment > 0 ? fmt::format(" warm (of {})", g.current) : "", how, e.raw);
}

int ChangeInPeriod(const std::vector<ScalingHistory::ScaleEvent>& events, int period_seconds, WallTime now) {
  const WallTime cutoff = now - std::chrono::seconds(period_seconds);
  int n = 0;
  for (const auto& ev : events) {
    if (ev.at > cutoff) n += ev.change;
  }
  return n;
}

std::string PolicyText(const RatePolicy& rp) {
  return fmt::format("{} {} per {} s", rp.value, rp.type == AdjustmentType::kHosts ? "Hosts" : "Percent",
                     rp.period_seconds);
}

// calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors.
struct RateLimitResult {
  int limit = 0;
  const RatePolicy* chosen = nullptr;  // nullptr: selectPolicy Disabled
  int period_start = 0;
};

RateLimitResult RateLimit(bool up, int current, const ScalingRules& rules, const ScalingHistory& h, WallTime now) {
  RateLimitResult out{current, nullptr, current};
  if (rules.select == SelectPolicy::kDisabled) return out;
  // Max picks the policy allowing the biggest change, Min the smallest.
  const bool biggest = rules.select == SelectPolicy::kMax;
  int result = (up == biggest) ? INT_MIN : INT_MAX;
  for (const auto& rp : rules.policies) {
    const int added = ChangeInPeriod(h.scale_up, rp.period_seconds, now);
    const int removed = ChangeInPeriod(h.scale_down, rp.period_seconds, now);
    const int start = current - added + removed;
    int proposed;
    if (up) {
      proposed = rp.type == AdjustmentType::kHosts
                     ? start + rp.value
                     : static_cast<int>(std::ceil(start * (1.0 + rp.value / 100.0) - 1e-9));
    } else {
      proposed = rp.type == AdjustmentType::kHosts ? start - rp.value
                                                   : static_cast<int>(start * (1.0 - rp.value / 100.0) + 1e-9);
    }
    const bool better = (up == biggest) ? proposed > result : proposed < result;
    if (better) {
      result = proposed;
      out.chosen = &rp;
      out.period_start = start;
    }
  }
  out.limit = result;
  return out;
}

std::string RateLimitText(bool up, const ScalingRules& rules, const RateLimitResult& r) {
  if (r.chosen == nullptr) return up ? "scaleUp selectPolicy Disabled" : "scaleDown selectPolicy Disabled";
  return fmt::format("{} policies ({}): {} {} ({} from {} at the period's start)", up ? "scaleUp" : "scaleDown",
                     SelectPolicyName(rules.select), up ? "at most" : "at least", r.limit, PolicyText(*r.chosen),
                     r.period_start);
}

void Stabilize(const ScalingPolicySpec& p, const GroupObservation& g, WallTime now, ScalingHistory& h,
               PolicyExplanation& e) {
  auto [it, fresh] = h.recommendations.try_emplace(p.name);
  auto& recs = it->second;
  // maybeInitScaleDownStabilizationWindow: a new (or restarted) autoscaler
  // first remembers the current count, so it cannot scale in at once.
  if (fresh && p.scale_down.stabilization_window_seconds > 0) recs.push_back({now, g.current});
  const WallTime up_cutoff = now - std::chrono::seconds(p.scale_up.stabilization_window_seconds);
  const WallTime down_cutoff = now - std::chrono::seconds(p.scale_down.stabilization_window_seconds);
  int up_rec = e.raw, down_rec = e.raw;
  for (const auto& rec : recs) {
    if (rec.at > up_cutoff) up_rec = std::min(up_rec, rec.hosts);
    if (rec.at > down_cutoff) down_rec = std::max(down_rec, rec.hosts);
  }
  int rec = g.current;
  if (rec < up_rec) rec = up_rec;
  if (rec > down_rec) rec = down_rec;
  e.stabilized = rec;
  if (rec != e.raw) {
    e.limit = ScalingLimit::kStabilization;
    e.limit_detail = rec < e.raw ? fmt::format("scaleUp stabilization window {} s: lowest recommendation {}",
                                               p.scale_up.stabilization_window_seconds, up_rec)
                                 : fmt::format("scaleDown stabilization window {} s: highest recommendation {}",
                                               p.scale_down.stabilization_window_seconds, down_rec);
  }
  const WallTime keep = std::min(up_cutoff, down_cutoff);
  std::erase_if(recs, [&](const ScalingHistory::Recommendation& r) { return r.at <= keep; });
  recs.push_back({now, e.raw});
}

PolicyExplanation DecidePolicy(const ScalingPolicySpec& p, const GroupObservation& g, const MetricReading& r,
                               WallTime now, ScalingHistory& h) {
  PolicyExplanation e;
  e.policy = p.name;
  e.metric = p.metric();
  if (p.target_tracking) e.target = p.target_tracking->target;
  Bounds b = EffectiveBounds(p, now);
  e.min = b.min;
  e.max = b.max;
  e.active_schedules = b.schedules;
  // The HPA's preliminary checks: a count outside the bounds goes to the bound.
  if (g.current > b.max || g.current < b.min) {
    const bool above = g.current > b.max;
    e.raw = e.stabilized = e.recommended = above ? b.max : b.min;
    e.limit = above ? ScalingLimit::kMax : ScalingLimit::kMin;
    e.limit_detail =
        fmt::format("{} hosts is {} {} {}{}", g.current, above ? "above" : "below", above ? "max" : "min",
                    e.recommended, (above ? b.max_from_schedule : b.min_from_schedule) ? " (schedule)" : "");
    e.formula = "bounds";
    return e;
  }
  bool no_metrics = false;
  if (e.metric.empty()) {
    e.raw = b.min;  // a scheduled-only policy asks for no more than its floor
    e.formula = fmt::format("no metric: min {}", b.min);
  } else if (!r.status.ok()) {
    no_metrics = true;
    e.metric_status = r.status;
  } else if (p.target_tracking) {
    if (r.per_host) {
      TargetTrackingPerHost(*p.target_tracking, p, g, r, now, e, no_metrics);
    } else {
      TargetTrackingGroup(*p.target_tracking, g, r, e);
    }
  } else {
    StepScaling(*p.step_scaling, p, g, r, now, e, no_metrics);
  }
  if (no_metrics) {
    e.limit = ScalingLimit::kFallback;
    const std::string why = e.metric_status.ok() ? "no warm host has a sample" : e.metric_status.message();
    if (p.fallback.desired) {
      e.raw = *p.fallback.desired;
      e.formula = fmt::format("{} unavailable ({}): fallback desired {}", e.metric, why, e.raw);
    } else {
      e.raw = g.current;
      e.formula = fmt::format("{} unavailable ({}): fallback hold {}", e.metric, why, e.raw);
    }
  }
  if (b.desired && *b.desired > e.raw) {
    e.raw = *b.desired;
    e.limit = ScalingLimit::kSchedule;
    e.formula += fmt::format("; schedule desired {}", *b.desired);
  }
  Stabilize(p, g, now, h, e);
  int desired = e.stabilized;
  // convertDesiredReplicasWithBehaviorRate.
  if (desired > g.current) {
    const RateLimitResult rl = RateLimit(true, g.current, p.scale_up, h, now);
    const int limit = std::max(g.current, rl.limit);
    if (b.max <= limit) {
      if (desired > b.max) {
        desired = b.max;
        e.limit = ScalingLimit::kMax;
        e.limit_detail = fmt::format("max {}{}", b.max, b.max_from_schedule ? " (schedule)" : "");
      }
    } else if (desired > limit) {
      desired = limit;
      e.limit = ScalingLimit::kRatePolicy;
      e.limit_detail = RateLimitText(true, p.scale_up, rl);
    }
  } else if (desired < g.current) {
    const RateLimitResult rl = RateLimit(false, g.current, p.scale_down, h, now);
    const int limit = std::min(g.current, rl.limit);
    if (b.min >= limit) {
      if (desired < b.min) {
        desired = b.min;
        e.limit = ScalingLimit::kMin;
        e.limit_detail = fmt::format("min {}{}", b.min, b.min_from_schedule ? " (schedule)" : "");
      }
    } else if (desired < limit) {
      desired = limit;
      e.limit = ScalingLimit::kRatePolicy;
      e.limit_detail = RateLimitText(false, p.scale_down, rl);
    }
  }
  e.recommended = desired;
  return e;
}

}  // namespace

std::string_view ScalingLimitName(ScalingLimit l) {
  switch (l) {
    case ScalingLimit::kNone: return "none";
    case ScalingLimit::kTolerance: return "tolerance";
    case ScalingLimit::kNoChange: return "no-change";
    case ScalingLimit::kFallback: return "fallback";
    case ScalingLimit::kSchedule: return "schedule";
    case ScalingLimit::kStabilization: return "stabilization";
    case ScalingLimit::kRatePolicy: return "rate-policy";
    case ScalingLimit::kMin: return "min";
    case ScalingLimit::kMax: return "max";
  }
  return "?";
}

void ScalingHistory::RecordScale(WallTime at, int from, int to) {
  // The HPA keeps events for its longest period; periodSeconds is at most 1800.
  const WallTime keep = at - std::chrono::seconds(1800);
  auto old = [&](const ScaleEvent& e) { return e.at <= keep; };
  std::erase_if(scale_up, old);
  std::erase_if(scale_down, old);
  if (to > from) scale_up.push_back({at, to - from});
  if (to < from) scale_down.push_back({at, from - to});
}

std::string ScalingDecision::Explain() const {
  std::string out = fmt::format("{}: {} -> {} hosts", group, current, desired);
  if (!deciding_policy.empty()) out += fmt::format(" (policy {})", deciding_policy);
  out += "\n";
  for (const auto& e : policies) {
    out += fmt::format("  {}: {} [min {}, max {}]", e.policy, e.formula, e.min, e.max);
    if (!e.active_schedules.empty()) out += " schedule \"" + e.active_schedules.front() + "\"";
    out += fmt::format(" raw {} stabilized {} -> {}", e.raw, e.stabilized, e.recommended);
    if (e.limit != ScalingLimit::kNone) {
      out += fmt::format("; limited by {}", ScalingLimitName(e.limit));
      if (!e.limit_detail.empty()) out += ": " + e.limit_detail;
    }
    out += "\n";
  }
  return out;
}

ScalingDecision Decide(const std::vector<ScalingPolicySpec>& policies, const GroupObservation& group,
                       const std::vector<MetricReading>& readings, WallTime now, ScalingHistory& history) {
  ScalingDecision d;
  d.group = group.group;
  d.at = now;
  d.current = group.current;
  d.desired = group.current;
  static const MetricReading kNoReading{UnavailableError("no reading"), false, {}, 0};
  int best = -1;
  d.policies.reserve(policies.size());
  for (size_t i = 0; i < policies.size(); ++i) {
    const MetricReading& r = i < readings.size() ? readings[i] : kNoReading;
    d.policies.push_back(DecidePolicy(policies[i], group, r, now, history));
    if (d.policies.back().recommended > best) {
      best = d.policies.back().recommended;
      d.deciding_policy = policies[i].name;
    }
  }
  if (best >= 0) d.desired = best;
  return d;
}

std::vector<MetricReading> ReadPolicyMetrics(MetricReader& reader, const std::vector<ScalingPolicySpec>& policies,
                                             const GroupObservation& group) {
  std::vector<MetricReading> out(policies.size());
  for (size_t i = 0; i < policies.size(); ++i) {
    const std::string& m = policies[i].metric();
    if (m.empty()) continue;
    size_t same = 0;  // an earlier policy reading the same metric (few policies per group: a scan is cheapest)
    while (same < i && policies[same].metric() != m) ++same;
    if (same < i) {
      out[i] = out[same];
      continue;
    }
    auto r = reader.Read(group.group, m, group.hosts);
    if (r.ok()) {
      out[i] = std::move(*r);
    } else {
      out[i].status = r.status();
    }
  }
  return out;
}

}  // namespace kelola
