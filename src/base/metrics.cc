#include "base/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace kelola {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kelola metrics: %s\n", message.c_str());
  std::abort();
}

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

void AppendEscapedHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

// {a="x",b="y"} plus an optional extra pair (the histogram's le); nothing
// when there are no labels at all.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += names[i];
    out += "=\"";
    AppendEscapedLabelValue(out, values[i]);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out.push_back(',');
    out += extra_name;
    out += "=\"";
    AppendEscapedLabelValue(out, extra_value);
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

void ValidateBuckets(std::string_view name, const std::vector<double>& buckets) {
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (std::isnan(buckets[i]) || std::isinf(buckets[i])) {
      Die(fmt::format("histogram {}: bucket bounds must be finite (+Inf is implicit)", name));
    }
    if (i > 0 && !(buckets[i] > buckets[i - 1])) {
      Die(fmt::format("histogram {}: bucket bounds must be strictly increasing", name));
    }
  }
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin() + 1, name.end(), [](char c) { return IsNameStart(c) || IsDigit(c) || c == ':'; });
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin() + 1, name.end(), [](char c) { return IsNameStart(c) || IsDigit(c); });
}

void Counter::Inc(double n) {
  if (!(n >= 0)) Die(fmt::format("counter increment must be >= 0, got {}", FormatValue(n)));
  value_.fetch_add(n, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), bucket_counts_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) bucket_counts_[i].store(0);
}

void Histogram::Observe(double v) {
  // First bound >= v: buckets are inclusive upper bounds. NaN lands in +Inf.
  size_t i = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), v) - upper_bounds_.begin();
  bucket_counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.upper_bounds = upper_bounds_;
  s.cumulative.reserve(upper_bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    running += bucket_counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // Count is derived from the buckets so _count always equals the +Inf bucket.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> DefaultHistogramBuckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  if (!(start > 0) || !(factor > 1) || count < 1) {
    Die(fmt::format("ExponentialBuckets({}, {}, {}): need start > 0, factor > 1, count >= 1", start, factor, count));
  }
  std::vector<double> out;
  for (int i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  if (!(width > 0) || count < 1) {
    Die(fmt::format("LinearBuckets({}, {}, {}): need width > 0, count >= 1", start, width, count));
  }
  std::vector<double> out;
  for (int i = 0; i < count; ++i) out.push_back(start + width * i);
  return out;
}

template <typename Child>
MetricFamily<Child>::MetricFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                  std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {}

template <typename Child>
Child& MetricFamily<Child>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    Die(fmt::format("metric {}: {} label values given for {} label names", name_, values.size(), label_names_.size()));
  }
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto& slot = children_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Child, Histogram>) {
      slot = std::make_unique<Histogram>(buckets_);
    } else {
      slot = std::make_unique<Child>();
    }
  }
  return *slot;
}

template <typename Child>
Child& MetricFamily<Child>::WithLabels(std::initializer_list<std::string_view> values) {
  return WithLabels(std::vector<std::string>(values.begin(), values.end()));
}

template <typename Child>
template <typename Fn>
void MetricFamily<Child>::ForEachChild(Fn&& fn) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& [values, child] : children_) fn(values, *child);
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

struct MetricsRegistry::Entry {
  MetricType type;
  std::unique_ptr<CounterFamily> counter;
  std::unique_ptr<GaugeFamily> gauge;
  std::unique_ptr<HistogramFamily> histogram;

  const std::string& help() const {
    switch (type) {
      case MetricType::kCounter: return counter->help();
      case MetricType::kGauge: return gauge->help();
      case MetricType::kHistogram: return histogram->help();
    }
    Die("unknown metric type");
  }
  const std::vector<std::string>& label_names() const {
    switch (type) {
      case MetricType::kCounter: return counter->label_names();
      case MetricType::kGauge: return gauge->label_names();
      case MetricType::kHistogram: return histogram->label_names();
    }
    Die("unknown metric type");
  }
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Entry& MetricsRegistry::AddFamily(MetricType type, std::string_view name, std::string_view help,
                                                   std::vector<std::string>& label_names,
                                                   std::vector<double>* buckets) {
  if (!IsValidMetricName(name)) Die(fmt::format("invalid metric name \"{}\"", name));
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsValidLabelName(label)) {
      Die(fmt::format("metric {}: invalid label name \"{}\"", name, label));
    }
    if (type == MetricType::kHistogram && label == "le") {
      Die(fmt::format("histogram {}: label name \"le\" is reserved for buckets", name));
    }
    if (std::find(label_names.begin(), label_names.begin() + i, label) != label_names.begin() + i) {
      Die(fmt::format("metric {}: duplicate label name \"{}\"", name, label));
    }
  }
  if (buckets != nullptr) ValidateBuckets(name, *buckets);

  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    Entry& existing = *it->second;
    bool same = existing.type == type && existing.help() == help && existing.label_names() == label_names &&
                (type != MetricType::kHistogram || existing.histogram->buckets_ == *buckets);
    if (!same) Die(fmt::format("metric {} redeclared with a different definition", name));
    return existing;
  }
  auto entry = std::make_unique<Entry>();
  entry->type = type;
  std::string n(name), h(help);
  switch (type) {
    case MetricType::kCounter:
      entry->counter.reset(new CounterFamily(n, h, label_names, {}));
      if (label_names.empty()) entry->counter->Get();
      break;
    case MetricType::kGauge:
      entry->gauge.reset(new GaugeFamily(n, h, label_names, {}));
      if (label_names.empty()) entry->gauge->Get();
      break;
    case MetricType::kHistogram:
      entry->histogram.reset(new HistogramFamily(n, h, label_names, *buckets));
      if (label_names.empty()) entry->histogram->Get();
      break;
  }
  return *families_.emplace(n, std::move(entry)).first->second;
}

CounterFamily& MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                           std::vector<std::string> label_names) {
  return *AddFamily(MetricType::kCounter, name, help, label_names, nullptr).counter;
}

GaugeFamily& MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names) {
  return *AddFamily(MetricType::kGauge, name, help, label_names, nullptr).gauge;
}

HistogramFamily& MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                               std::vector<std::string> label_names, std::vector<double> buckets) {
  return *AddFamily(MetricType::kHistogram, name, help, label_names, &buckets).histogram;
}

std::string MetricsRegistry::RenderText() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  // Not a structured binding: clang 14 cannot capture those in lambdas.
  for (const auto& family : families_) {
    const std::string& name = family.first;
    const Entry* entry = family.second.get();
    out += "# HELP ";
    out += name;
    out.push_back(' ');
    AppendEscapedHelp(out, entry->help());
    out += "\n# TYPE ";
    out += name;
    out.push_back(' ');
    out += TypeName(entry->type);
    out.push_back('\n');
    const auto& label_names = entry->label_names();
    auto simple = [&](const std::vector<std::string>& values, double value) {
      out += fmt::format("{}{} {}\n", name, LabelSet(label_names, values), FormatValue(value));
    };
    switch (entry->type) {
      case MetricType::kCounter:
        entry->counter->ForEachChild(
            [&](const std::vector<std::string>& values, const Counter& c) { simple(values, c.Value()); });
        break;
      case MetricType::kGauge:
        entry->gauge->ForEachChild(
            [&](const std::vector<std::string>& values, const Gauge& g) { simple(values, g.Value()); });
        break;
      case MetricType::kHistogram:
        entry->histogram->ForEachChild([&](const std::vector<std::string>& values, const Histogram& h) {
          Histogram::Snapshot s = h.Read();
          for (size_t i = 0; i < s.cumulative.size(); ++i) {
            std::string le = i < s.upper_bounds.size() ? FormatValue(s.upper_bounds[i]) : "+Inf";
            out += fmt::format("{}_bucket{} {}\n", name, LabelSet(label_names, values, "le", le), s.cumulative[i]);
          }
          out += fmt::format("{}_sum{} {}\n", name, LabelSet(label_names, values), FormatValue(s.sum));
          out += fmt::format("{}_count{} {}\n", name, LabelSet(label_names, values), s.count);
        });
        break;
    }
  }
  return out;
}

}  // namespace kelola
