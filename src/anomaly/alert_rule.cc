#include "anomaly/alert_rule.h"

#include <re2/re2.h>

#include <nlohmann/json.hpp>

#include "base/config_schema.h"
#include "fmt/format.h"

namespace kelola::anomaly {
namespace {

using nlohmann::json;

// The canonical levels in rank order (as src/logs/log_level.h defines them).
constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "fatal"};

int RankOf(std::string_view level) {
  for (size_t i = 0; i < std::size(kLevels); ++i) {
    if (kLevels[i] == level) return static_cast<int>(i);
  }
  return -1;
}

// The parameters each detector type accepts (besides bucket and window).
struct TypeInfo {
  DetectorType type;
  std::string_view name;
  std::vector<std::string_view> params;
};

const std::vector<TypeInfo>& Types() {
  static const std::vector<TypeInfo> types = {
      {DetectorType::kSpike, "spike", {"sensitivity", "minCount", "spikeHeight", "minHistory"}},
      {DetectorType::kNewTerm, "new_term", {"learnFor", "holdFor"}},
      {DetectorType::kSilence, "silence", {"quietFor", "maxQuietCount", "minBaselinePerBucket"}},
      {DetectorType::kFrequency, "frequency", {"threshold", "timeframe"}},
      {DetectorType::kFlatline, "flatline", {"threshold", "timeframe"}},
  };
  return types;
}

Result<Duration> DurationField(const json& obj, const char* key, const std::string& path, Duration fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_string()) return InvalidArgumentError(fmt::format("{}.{}: expected a duration such as \"5m\"", path, key));
  auto d = ParseDuration(v.get<std::string>());
  if (!d.ok()) return InvalidArgumentError(fmt::format("{}.{}: {}", path, key, d.status().message()));
  if (*d < std::chrono::milliseconds(0))
    return InvalidArgumentError(fmt::format("{}.{}: must not be negative", path, key));
  if (*d > std::chrono::hours(24 * 366)) {
    return InvalidArgumentError(fmt::format("{}.{}: longer than a year", path, key));
  }
  return Duration(*d);
}

Result<int64_t> IntField(const json& obj, const char* key, const std::string& path, int64_t fallback, int64_t min,
                         int64_t max) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_number_integer()) return InvalidArgumentError(fmt::format("{}.{}: expected an integer", path, key));
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max)) {
    return InvalidArgumentError(fmt::format("{}.{}: {} is outside {}..{}", path, key, v.get<uint64_t>(), min, max));
  }
  const auto n = v.get<int64_t>();
  if (n < min || n > max)
    return InvalidArgumentError(fmt::format("{}.{}: {} is outside {}..{}", path, key, n, min, max));
  return n;
}

Result<Labels> StringMap(const json& obj, const char* key, const std::string& path) {
  Labels out;
  if (!obj.contains(key)) return out;
  const json& v = obj.at(key);
  if (!v.is_object()) return InvalidArgumentError(fmt::format("{}.{}: expected a map of strings", path, key));
  for (const auto& [k, val] : v.items()) {
    if (!val.is_string()) return InvalidArgumentError(fmt::format("{}.{}.{}: expected a string", path, key, k));
    out[k] = val.get<std::string>();
  }
  return out;
}

// How many buckets of `bucket` cover `span` (at least 1).
size_t BucketsIn(Duration span, Duration bucket) {
  return static_cast<size_t>(std::max<int64_t>(1, (span + bucket - Duration(1)) / bucket));
}

}  // namespace

std::string_view DetectorTypeName(DetectorType type) {
  for (const TypeInfo& t : Types()) {
    if (t.type == type) return t.name;
  }
  return "?";
}

Result<AlertRuleSpec> ParseAlertRuleSpec(const json& spec) {
  if (!spec.is_object()) return InvalidArgumentError("spec: expected an object");
  AlertRuleSpec rule;
  KELOLA_ASSIGN_OR_RETURN(rule.selector, StringMap(spec, "selector", "spec"));
  KELOLA_ASSIGN_OR_RETURN(rule.labels, StringMap(spec, "labels", "spec"));
  KELOLA_ASSIGN_OR_RETURN(rule.annotations, StringMap(spec, "annotations", "spec"));
  if (spec.contains("level")) {
    if (!spec.at("level").is_string() || RankOf(spec.at("level").get<std::string>()) < 0) {
      return InvalidArgumentError(
          fmt::format("spec.level: {} is not one of trace, debug, info, warn, error, fatal", spec.at("level").dump()));
    }
    rule.min_level = spec.at("level").get<std::string>();
  }
  if (spec.contains("match")) {
    if (!spec.at("match").is_string()) return InvalidArgumentError("spec.match: expected a regular expression (RE2)");
    rule.match = spec.at("match").get<std::string>();
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(rule.match, options);
    if (!re.ok())
      return InvalidArgumentError(fmt::format("spec.match: not a valid RE2 regular expression: {}", re.error()));
  }
  if (spec.contains("groupBy")) {
    const json& g = spec.at("groupBy");
    if (!g.is_array()) return InvalidArgumentError("spec.groupBy: expected a list of label names");
    rule.group_by.clear();
    for (size_t i = 0; i < g.size(); ++i) {
      if (!g[i].is_string() || g[i].get<std::string>().empty()) {
        return InvalidArgumentError(fmt::format("spec.groupBy[{}]: expected a label name", i));
      }
      rule.group_by.push_back(g[i].get<std::string>());
    }
  }
  if (spec.contains("severity")) {
    if (!spec.at("severity").is_string()) return InvalidArgumentError("spec.severity: expected a string");
    rule.severity = spec.at("severity").get<std::string>();
  }
  KELOLA_ASSIGN_OR_RETURN(rule.pending_for, DurationField(spec, "for", "spec", Duration::zero()));

  if (!spec.contains("detector") || !spec.at("detector").is_object()) {
    return InvalidArgumentError("spec.detector: required, an object with a type");
  }
  const json& det = spec.at("detector");
  const std::string path = "spec.detector";
  std::string known;
  const TypeInfo* info = nullptr;
  const std::string type = det.contains("type") && det.at("type").is_string() ? det.at("type").get<std::string>() : "";
  for (const TypeInfo& t : Types()) {
    known += known.empty() ? std::string(t.name) : ", " + std::string(t.name);
    if (t.name == type) info = &t;
  }
  if (info == nullptr) {
    return InvalidArgumentError(fmt::format("spec.detector.type: unknown detector {} (known: {})",
                                            det.contains("type") ? det.at("type").dump() : "(missing)", known));
  }
  rule.type = info->type;
  for (const auto& [key, value] : det.items()) {
    if (key == "type" || key == "bucket" || key == "window") continue;
    if (std::find(info->params.begin(), info->params.end(), key) == info->params.end()) {
      std::string accepted;
      for (std::string_view p : info->params) accepted += accepted.empty() ? std::string(p) : ", " + std::string(p);
      return InvalidArgumentError(fmt::format("{}.{}: not a parameter of the {} detector (it takes bucket, window, {})",
                                              path, key, info->name, accepted));
    }
  }
  KELOLA_ASSIGN_OR_RETURN(rule.bucket, DurationField(det, "bucket", path, std::chrono::minutes(1)));
  if (rule.bucket < std::chrono::seconds(1)) return InvalidArgumentError(path + ".bucket: must be at least 1s");
  KELOLA_ASSIGN_OR_RETURN(Duration window, DurationField(det, "window", path, rule.bucket * 60));
  rule.buckets = BucketsIn(window, rule.bucket);
  if (rule.buckets < 2 || rule.buckets > 10080) {
    return InvalidArgumentError(
        fmt::format("{}.window: must span 2 to 10080 buckets of {} (it spans {})", path,
                    FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(rule.bucket)), rule.buckets));
  }
  switch (rule.type) {
    case DetectorType::kSpike: {
      KELOLA_ASSIGN_OR_RETURN(int64_t sensitivity, IntField(det, "sensitivity", path, 4, 1, 100));
      KELOLA_ASSIGN_OR_RETURN(int64_t min_count, IntField(det, "minCount", path, 10, 1, 1'000'000'000));
      KELOLA_ASSIGN_OR_RETURN(int64_t height, IntField(det, "spikeHeight", path, 2, 1, 1000));
      KELOLA_ASSIGN_OR_RETURN(int64_t history, IntField(det, "minHistory", path, 5, 1, 10080));
      rule.spike.sensitivity = static_cast<double>(sensitivity);
      rule.spike.min_count = static_cast<uint64_t>(min_count);
      rule.spike.min_ratio = static_cast<double>(height);
      rule.spike.min_history = static_cast<size_t>(history);
      if (rule.spike.min_history + 2 > rule.buckets) {
        return InvalidArgumentError(
            fmt::format("{}.window: a spike needs minHistory + 2 = {} buckets, the window has {}", path,
                        rule.spike.min_history + 2, rule.buckets));
      }
      break;
    }
    case DetectorType::kNewTerm: {
      KELOLA_ASSIGN_OR_RETURN(rule.new_term.learn_for, DurationField(det, "learnFor", path, std::chrono::minutes(0)));
      KELOLA_ASSIGN_OR_RETURN(rule.new_term.hold_for, DurationField(det, "holdFor", path, std::chrono::minutes(10)));
      break;
    }
    case DetectorType::kSilence: {
      KELOLA_ASSIGN_OR_RETURN(Duration quiet, DurationField(det, "quietFor", path, rule.bucket * 5));
      KELOLA_ASSIGN_OR_RETURN(int64_t max_quiet, IntField(det, "maxQuietCount", path, 0, 0, 1'000'000'000));
      KELOLA_ASSIGN_OR_RETURN(int64_t baseline, IntField(det, "minBaselinePerBucket", path, 1, 1, 1'000'000'000));
      rule.silence.quiet_buckets = BucketsIn(quiet, rule.bucket);
      rule.silence.max_quiet_count = static_cast<uint64_t>(max_quiet);
      rule.silence.min_baseline_rate = static_cast<double>(baseline);
      if (2 * (rule.silence.quiet_buckets + 1) > rule.buckets) {
        return InvalidArgumentError(
            fmt::format("{}.window: must be at least twice quietFor (plus a bucket) so there is a baseline to "
                        "compare with ({} buckets needed, {} given)",
                        path, 2 * (rule.silence.quiet_buckets + 1), rule.buckets));
      }
      break;
    }
    case DetectorType::kFrequency:
    case DetectorType::kFlatline: {
      if (!det.contains("threshold")) return InvalidArgumentError(path + ".threshold: required for " + type);
      KELOLA_ASSIGN_OR_RETURN(int64_t threshold, IntField(det, "threshold", path, 1, 1, 1'000'000'000));
      KELOLA_ASSIGN_OR_RETURN(Duration timeframe, DurationField(det, "timeframe", path, rule.bucket * 5));
      rule.threshold.kind =
          rule.type == DetectorType::kFrequency ? ThresholdKind::kFrequency : ThresholdKind::kFlatline;
      rule.threshold.threshold = static_cast<uint64_t>(threshold);
      rule.threshold.timeframe_buckets = BucketsIn(timeframe, rule.bucket);
      if (rule.threshold.timeframe_buckets > rule.buckets) {
        return InvalidArgumentError(fmt::format("{}.timeframe: longer than the window ({} buckets, window {})", path,
                                                rule.threshold.timeframe_buckets, rule.buckets));
      }
      break;
    }
  }
  return rule;
}

CounterOptions CounterOptionsFor(const AlertRuleSpec& rule) {
  CounterOptions o;
  o.bucket = rule.bucket;
  o.buckets = rule.buckets;
  return o;
}

Result<RuleMatcher> RuleMatcher::Compile(const AlertRuleSpec& rule) {
  RuleMatcher m;
  m.rule_ = rule;
  m.min_rank_ = rule.min_level.empty() ? -1 : RankOf(rule.min_level);
  if (!rule.match.empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<RE2>(rule.match, options);
    if (!re->ok()) return InvalidArgumentError("spec.match: not a valid RE2 regular expression: " + re->error());
    m.pattern_ = std::move(re);
  }
  return m;
}

bool RuleMatcher::Matches(const Labels& line_labels, std::string_view level, std::string_view message) const {
  for (const auto& [k, v] : rule_.selector) {
    auto it = line_labels.find(k);
    if (it == line_labels.end() || it->second != v) return false;
  }
  if (min_rank_ >= 0 && RankOf(level) < min_rank_) return false;
  return pattern_ == nullptr || RE2::PartialMatch(re2::StringPiece(message.data(), message.size()), *pattern_);
}

Labels RuleMatcher::SeriesOf(const Labels& line_labels) const {
  Labels series;
  for (const std::string& k : rule_.group_by) {
    auto it = line_labels.find(k);
    series[k] = it == line_labels.end() ? "" : it->second;
  }
  return series;
}

}  // namespace kelola::anomaly
