#include "scale/scaling_policy.h"

#include <cmath>
#include <initializer_list>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

// Reads one JSON object strictly: every key must be one of `known`.
class Fields {
 public:
  Fields(const json& doc, std::string path) : doc_(doc), path_(std::move(path)) {}

  Status CheckKeys(std::initializer_list<const char*> known) const {
    if (!doc_.is_object()) return InvalidArgumentError(path_ + " must be an object");
    for (auto it = doc_.begin(); it != doc_.end(); ++it) {
      bool found = false;
      for (const char* k : known) found = found || it.key() == k;
      if (!found) return InvalidArgumentError(Path(it.key()) + ": unknown field");
    }
    return OkStatus();
  }
  bool Has(const char* key) const { return doc_.contains(key) && !doc_.at(key).is_null(); }
  const json& At(const char* key) const { return doc_.at(key); }
  std::string Path(const std::string& key) const { return path_ + "." + key; }

  Result<std::string> Name(const char* key, bool required) const {
    if (!Has(key)) {
      if (required) return InvalidArgumentError(Path(key) + ": required field is missing");
      return std::string();
    }
    const json& v = doc_.at(key);
    if (!v.is_string()) return InvalidArgumentError(Path(key) + " must be a string");
    std::string s = v.get<std::string>();
    if (s.empty()) return InvalidArgumentError(Path(key) + " must not be empty");
    if (s.size() > 253) return InvalidArgumentError(Path(key) + " is longer than 253 bytes");
    for (char c : s) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == ':' || c == '/';
      if (!ok) return InvalidArgumentError(Path(key) + ": \"" + s + "\" may only hold letters, digits and -_.:/");
    }
    return s;
  }
  Result<int> Int(const char* key, int fallback, int min, int max) const {
    if (!Has(key)) return fallback;
    const json& v = doc_.at(key);
    if (!v.is_number_integer()) return InvalidArgumentError(Path(key) + " must be an integer");
    const int64_t n = v.get<int64_t>();
    if (n < min || n > max) {
      return InvalidArgumentError(Path(key) + " must be between " + std::to_string(min) + " and " +
                                  std::to_string(max) + ", got " + std::to_string(n));
    }
    return static_cast<int>(n);
  }
  Result<std::optional<int>> OptInt(const char* key, int min, int max) const {
    if (!Has(key)) return std::optional<int>();
    KELOLA_ASSIGN_OR_RETURN(int v, Int(key, 0, min, max));
    return std::optional<int>(v);
  }
  Result<std::optional<double>> OptNumber(const char* key) const {
    if (!Has(key)) return std::optional<double>();
    const json& v = doc_.at(key);
    if (!v.is_number()) return InvalidArgumentError(Path(key) + " must be a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) return InvalidArgumentError(Path(key) + " must be a finite number");
    return std::optional<double>(d);
  }

 private:
  const json& doc_;
  std::string path_;
};

constexpr int kMaxHosts = 10000;

Result<TargetTrackingSpec> DecodeTargetTracking(const json& doc, const std::string& path) {
  Fields f(doc, path);
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"metric", "target", "tolerance"}));
  TargetTrackingSpec t;
  KELOLA_ASSIGN_OR_RETURN(t.metric, f.Name("metric", true));
  KELOLA_ASSIGN_OR_RETURN(auto target, f.OptNumber("target"));
  if (!target) return InvalidArgumentError(f.Path("target") + ": required field is missing");
  if (*target <= 0) return InvalidArgumentError(f.Path("target") + " must be above 0");
  t.target = *target;
  KELOLA_ASSIGN_OR_RETURN(auto tolerance, f.OptNumber("tolerance"));
  if (tolerance) {
    if (*tolerance < 0 || *tolerance >= 1) return InvalidArgumentError(f.Path("tolerance") + " must be in [0, 1)");
    t.tolerance = *tolerance;
  }
  return t;
}

Result<ScalingStep> DecodeStep(const json& doc, const std::string& path) {
  Fields f(doc, path);
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"lower", "upper", "adjustment"}));
  ScalingStep s;
  KELOLA_ASSIGN_OR_RETURN(s.lower, f.OptNumber("lower"));
  KELOLA_ASSIGN_OR_RETURN(s.upper, f.OptNumber("upper"));
  if (!s.lower && !s.upper) return InvalidArgumentError(path + ": give lower, upper or both");
  if (s.lower && s.upper && *s.upper <= *s.lower) {
    return InvalidArgumentError(f.Path("upper") + " must be above lower");
  }
  if (!f.Has("adjustment")) return InvalidArgumentError(f.Path("adjustment") + ": required field is missing");
  const json& a = f.At("adjustment");
  if (a.is_number_integer()) {
    const int64_t n = a.get<int64_t>();
    if (n < -kMaxHosts || n > kMaxHosts) {
      return InvalidArgumentError(f.Path("adjustment") + " must be between -10000 and 10000 hosts");
    }
    s.adjustment = static_cast<int>(n);
  } else if (a.is_string()) {
    // "50%", "-25%", "+10%"
    std::string text = a.get<std::string>();
    if (text.size() < 2 || text.back() != '%') {
      return InvalidArgumentError(f.Path("adjustment") + ": \"" + text +
                                  "\" must be a whole number of hosts or a percentage such as \"50%\"");
    }
    std::string digits = text.substr(0, text.size() - 1);
    if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
    size_t used = 0;
    long v = 0;
    bool ok = !digits.empty() && digits.size() <= 6;
    if (ok) {
      try {
        v = std::stol(digits, &used);
      } catch (...) {
        ok = false;
      }
    }
    if (!ok || used != digits.size() || v < -100 || v > 10000) {
      return InvalidArgumentError(f.Path("adjustment") + ": \"" + text +
                                  "\" must be a percentage from -100% to 10000%");
    }
    s.adjustment = static_cast<int>(v);
    s.type = AdjustmentType::kPercent;
  } else {
    return InvalidArgumentError(f.Path("adjustment") + " must be an integer (hosts) or a string such as \"50%\"");
  }
  if (s.adjustment == 0) return InvalidArgumentError(f.Path("adjustment") + " must not be 0");
  return s;
}

Result<StepScalingSpec> DecodeStepScaling(const json& doc, const std::string& path) {
  Fields f(doc, path);
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"metric", "steps"}));
  StepScalingSpec s;
  KELOLA_ASSIGN_OR_RETURN(s.metric, f.Name("metric", true));
  if (!f.Has("steps") || !f.At("steps").is_array() || f.At("steps").empty()) {
    return InvalidArgumentError(f.Path("steps") + " must be a non-empty list");
  }
  const json& list = f.At("steps");
  if (list.size() > 32) return InvalidArgumentError(f.Path("steps") + ": at most 32 steps");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string p = f.Path("steps") + "[" + std::to_string(i) + "]";
    KELOLA_ASSIGN_OR_RETURN(ScalingStep step, DecodeStep(list[i], p));
    const double lo = step.lower.value_or(-INFINITY), hi = step.upper.value_or(INFINITY);
    for (size_t j = 0; j < s.steps.size(); ++j) {
      const double olo = s.steps[j].lower.value_or(-INFINITY), ohi = s.steps[j].upper.value_or(INFINITY);
      if (lo < ohi && olo < hi) {
        return InvalidArgumentError(p + " overlaps " + f.Path("steps") + "[" + std::to_string(j) + "]");
      }
    }
    s.steps.push_back(step);
  }
  return s;
}

Result<ScheduledCapacity> DecodeScheduled(const json& doc, const std::string& path) {
  Fields f(doc, path);
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"cron", "min", "max", "desired"}));
  if (!f.Has("cron") || !f.At("cron").is_string()) {
    return InvalidArgumentError(f.Path("cron") + ": required string such as \"0 8-18 * * mon-fri\"");
  }
  auto cron = CronSchedule::Parse(f.At("cron").get<std::string>());
  if (!cron.ok()) return InvalidArgumentError(f.Path("cron") + ": " + cron.status().message());
  ScheduledCapacity s{*cron, {}, {}, {}};
  KELOLA_ASSIGN_OR_RETURN(s.min, f.OptInt("min", 0, kMaxHosts));
  KELOLA_ASSIGN_OR_RETURN(s.max, f.OptInt("max", 0, kMaxHosts));
  KELOLA_ASSIGN_OR_RETURN(s.desired, f.OptInt("desired", 0, kMaxHosts));
  if (!s.min && !s.max && !s.desired) return InvalidArgumentError(path + ": give min, max or desired");
  if (s.min && s.max && *s.min > *s.max) {
    return InvalidArgumentError(f.Path("min") + " (" + std::to_string(*s.min) + ") is above max (" +
                                std::to_string(*s.max) + ")");
  }
  return s;
}

Result<ScalingRules> DecodeRules(const json& doc, const std::string& path, ScalingRules rules) {
  Fields f(doc, path);
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"stabilizationWindowSeconds", "selectPolicy", "policies"}));
  KELOLA_ASSIGN_OR_RETURN(rules.stabilization_window_seconds,
                          f.Int("stabilizationWindowSeconds", rules.stabilization_window_seconds, 0, 3600));
  if (f.Has("selectPolicy")) {
    const json& v = f.At("selectPolicy");
    const std::string s = v.is_string() ? v.get<std::string>() : "";
    if (s == "Max") {
      rules.select = SelectPolicy::kMax;
    } else if (s == "Min") {
      rules.select = SelectPolicy::kMin;
    } else if (s == "Disabled") {
      rules.select = SelectPolicy::kDisabled;
    } else {
      return InvalidArgumentError(f.Path("selectPolicy") + " must be Max, Min or Disabled");
    }
  }
  if (f.Has("policies")) {
    const json& list = f.At("policies");
    if (!list.is_array() || list.empty()) return InvalidArgumentError(f.Path("policies") + " must be a non-empty list");
    if (list.size() > 16) return InvalidArgumentError(f.Path("policies") + ": at most 16 policies");
    rules.policies.clear();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string p = f.Path("policies") + "[" + std::to_string(i) + "]";
      Fields pf(list[i], p);
      KELOLA_RETURN_IF_ERROR(pf.CheckKeys({"type", "value", "periodSeconds"}));
      RatePolicy rp;
      const std::string type = pf.Has("type") && pf.At("type").is_string() ? pf.At("type").get<std::string>() : "";
      if (type == "Hosts" || type == "Pods") {
        rp.type = AdjustmentType::kHosts;
      } else if (type == "Percent") {
        rp.type = AdjustmentType::kPercent;
      } else {
        return InvalidArgumentError(pf.Path("type") + " must be Hosts or Percent");
      }
      if (!pf.Has("value")) return InvalidArgumentError(pf.Path("value") + ": required field is missing");
      KELOLA_ASSIGN_OR_RETURN(rp.value, pf.Int("value", 0, 1, 100000));
      if (!pf.Has("periodSeconds"))
        return InvalidArgumentError(pf.Path("periodSeconds") + ": required field is missing");
      KELOLA_ASSIGN_OR_RETURN(rp.period_seconds, pf.Int("periodSeconds", 0, 1, 1800));
      rules.policies.push_back(rp);
    }
  }
  return rules;
}

}  // namespace

ScalingRules DefaultScaleUpRules() {
  return {0, SelectPolicy::kMax, {{AdjustmentType::kPercent, 100, 15}, {AdjustmentType::kHosts, 4, 15}}};
}

ScalingRules DefaultScaleDownRules() { return {300, SelectPolicy::kMax, {{AdjustmentType::kPercent, 100, 15}}}; }

const std::string& ScalingPolicySpec::metric() const {
  static const std::string kNone;
  if (target_tracking) return target_tracking->metric;
  if (step_scaling) return step_scaling->metric;
  return kNone;
}

std::string_view SelectPolicyName(SelectPolicy s) {
  switch (s) {
    case SelectPolicy::kMax: return "Max";
    case SelectPolicy::kMin: return "Min";
    case SelectPolicy::kDisabled: return "Disabled";
  }
  return "?";
}

Result<ScalingPolicySpec> DecodeScalingPolicySpec(const std::string& name, const std::string& spec_json) {
  json doc = json::parse(spec_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgumentError("spec: not valid JSON");
  Fields f(doc, "spec");
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"group", "minHosts", "maxHosts", "targetTracking", "stepScaling", "scheduled",
                                      "behavior", "warmupSeconds", "fallback", "dryRun"}));
  ScalingPolicySpec p;
  p.name = name;
  KELOLA_ASSIGN_OR_RETURN(p.group, f.Name("group", true));
  KELOLA_ASSIGN_OR_RETURN(p.min_hosts, f.Int("minHosts", 1, 0, kMaxHosts));
  if (!f.Has("maxHosts")) return InvalidArgumentError("spec.maxHosts: required field is missing");
  KELOLA_ASSIGN_OR_RETURN(p.max_hosts, f.Int("maxHosts", 0, 1, kMaxHosts));
  if (p.min_hosts > p.max_hosts) {
    return InvalidArgumentError("spec.minHosts (" + std::to_string(p.min_hosts) + ") is above spec.maxHosts (" +
                                std::to_string(p.max_hosts) + ")");
  }
  if (f.Has("targetTracking") && f.Has("stepScaling")) {
    return InvalidArgumentError("spec: give targetTracking or stepScaling, not both (use two policies)");
  }
  if (f.Has("targetTracking")) {
    KELOLA_ASSIGN_OR_RETURN(p.target_tracking, DecodeTargetTracking(f.At("targetTracking"), "spec.targetTracking"));
  }
  if (f.Has("stepScaling")) {
    KELOLA_ASSIGN_OR_RETURN(p.step_scaling, DecodeStepScaling(f.At("stepScaling"), "spec.stepScaling"));
  }
  if (f.Has("scheduled")) {
    const json& list = f.At("scheduled");
    if (!list.is_array()) return InvalidArgumentError("spec.scheduled must be a list");
    if (list.size() > 64) return InvalidArgumentError("spec.scheduled: at most 64 entries");
    for (size_t i = 0; i < list.size(); ++i) {
      KELOLA_ASSIGN_OR_RETURN(ScheduledCapacity s,
                              DecodeScheduled(list[i], "spec.scheduled[" + std::to_string(i) + "]"));
      p.scheduled.push_back(std::move(s));
    }
  }
  if (!p.target_tracking && !p.step_scaling && p.scheduled.empty()) {
    return InvalidArgumentError("spec: give targetTracking, stepScaling or scheduled");
  }
  if (f.Has("behavior")) {
    Fields b(f.At("behavior"), "spec.behavior");
    KELOLA_RETURN_IF_ERROR(b.CheckKeys({"scaleUp", "scaleDown"}));
    if (b.Has("scaleUp")) {
      KELOLA_ASSIGN_OR_RETURN(p.scale_up, DecodeRules(b.At("scaleUp"), "spec.behavior.scaleUp", p.scale_up));
    }
    if (b.Has("scaleDown")) {
      KELOLA_ASSIGN_OR_RETURN(p.scale_down, DecodeRules(b.At("scaleDown"), "spec.behavior.scaleDown", p.scale_down));
    }
  }
  KELOLA_ASSIGN_OR_RETURN(p.warmup_seconds, f.Int("warmupSeconds", 0, 0, 3600));
  if (f.Has("fallback")) {
    const json& fb = f.At("fallback");
    if (fb.is_string() && fb.get<std::string>() == "hold") {
      p.fallback.desired.reset();
    } else if (fb.is_object()) {
      Fields ff(fb, "spec.fallback");
      KELOLA_RETURN_IF_ERROR(ff.CheckKeys({"desired"}));
      if (!ff.Has("desired")) return InvalidArgumentError("spec.fallback.desired: required field is missing");
      KELOLA_ASSIGN_OR_RETURN(int d, ff.Int("desired", 0, 0, kMaxHosts));
      p.fallback.desired = d;
    } else {
      return InvalidArgumentError("spec.fallback must be \"hold\" or {desired: N}");
    }
  }
  if (f.Has("dryRun")) {
    const json& v = f.At("dryRun");
    if (!v.is_boolean()) return InvalidArgumentError("spec.dryRun must be true or false");
    p.dry_run = v.get<bool>();
  }
  return p;
}

}  // namespace kelola
