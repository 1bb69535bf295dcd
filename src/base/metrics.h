// Prometheus metrics: a registry of counter, gauge and histogram families,
// rendered in the text exposition format 0.0.4 for GET /metrics.
//
//   MetricsRegistry registry;
//   auto& requests = registry.AddCounter("http_requests_total", "HTTP requests served.",
//                                        {"method", "code"});
//   requests.WithLabels({"GET", "200"}).Inc();
//   std::string body = registry.RenderText();
//
// Thread-safety: everything is thread-safe. Updating a child (Inc, Set,
// Observe) is a few relaxed atomic operations. WithLabels takes a shared lock
// to find the child and an exclusive one only to create it; hot paths keep
// the returned reference, which stays valid as long as the registry lives.
//
// Errors: names, label names and label counts are fixed by the code, so a
// wrong one is a programmer error and aborts with a message (as the
// Prometheus clients panic). Label values are free text and always safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kelola {

// A value that only goes up (requests served, bytes sent).
class Counter {
 public:
  // `n` must be >= 0: a counter that goes down breaks rate().
  void Inc(double n = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down (queue depth, connected agents).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Dec(double n = 1) { value_.fetch_sub(n, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets by upper bound (inclusive, "le"), plus
// their sum and count. The +Inf bucket is implicit.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<double> upper_bounds;  // without +Inf
    std::vector<uint64_t> cumulative;  // one per bound, then one for +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> bucket_counts_;  // non-cumulative, +Inf last
  std::atomic<double> sum_{0};
};

// Prometheus client defaults, in seconds: .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10.
std::vector<double> DefaultHistogramBuckets();
// start, start*factor, ... (count bounds). start > 0, factor > 1, count >= 1.
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// start, start+width, ... (count bounds). width > 0, count >= 1.
std::vector<double> LinearBuckets(double start, double width, int count);

enum class MetricType { kCounter, kGauge, kHistogram };

// A metric name with its label names; children are the label-value tuples.
template <typename Child>
class MetricFamily {
 public:
  // The child for these label values, created on first use. The number of
  // values must match the family's label names.
  Child& WithLabels(const std::vector<std::string>& values);
  Child& WithLabels(std::initializer_list<std::string_view> values);
  // The only child of a family declared without labels.
  Child& Get() { return WithLabels(std::vector<std::string>{}); }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  friend class MetricsRegistry;
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> buckets);
  template <typename Fn>
  void ForEachChild(Fn&& fn) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;  // histograms only
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Child>> children_;
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Declares a family, or returns the existing one when name, type, help,
  // labels (and buckets) are the same; a conflicting redeclaration aborts.
  // A family without labels starts with its single child at 0, so it is
  // rendered before the first update.
  CounterFamily& AddCounter(std::string_view name, std::string_view help, std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string_view name, std::string_view help, std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(std::string_view name, std::string_view help, std::vector<std::string> label_names = {},
                                std::vector<double> buckets = DefaultHistogramBuckets());

  // Text exposition format 0.0.4, families sorted by name, children by label
  // values. Content-Type: text/plain; version=0.0.4; charset=utf-8
  std::string RenderText() const;

 private:
  struct Entry;
  Entry& AddFamily(MetricType type, std::string_view name, std::string_view help, std::vector<std::string>& label_names,
                   std::vector<double>* buckets);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> families_;
};

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus).
bool IsValidLabelName(std::string_view name);

}  // namespace kelola
