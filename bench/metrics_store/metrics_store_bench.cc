// The embedded host metrics store filled to issue #9's sizing — 1,000 hosts
// x 10 series x 24 h at 10 s (86.4 M points) — then: its own memory
// accounting, the process's RSS (VmRSS before and after), the time of a
// group aggregate over the 1,000 hosts (avg and p95 of the latest value in
// 5 m, and p95 over every point in 5 m), and a snapshot write + read.
//
//   cmake --build build/release --target kelola_metrics_store_bench
//   build/release/bench/kelola_metrics_store_bench [hosts] [snapshot_dir]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "metrics/series_store.h"

namespace {

long RssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  using namespace kelola::metrics;
  const int hosts = argc > 1 ? std::atoi(argv[1]) : 1000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const char* names[10] = {"cpu_busy_percent",
                           "load1",
                           "load5",
                           "load15",
                           "memory_used_percent",
                           "network_receive_bytes_per_second",
                           "network_transmit_bytes_per_second",
                           "disk_used_percent",
                           "extra_a",
                           "extra_b"};
  SeriesStoreOptions o;  // 10 s, 24 h
  o.max_series = static_cast<size_t>(hosts) * 10;
  const long rss0 = RssKiB();
  SeriesStore store(o);
  const int64_t t0 = 1'700'000'000'000;
  const int64_t points_per_series = static_cast<int64_t>(store.slots());
  auto start = std::chrono::steady_clock::now();
  uint32_t x = 12345;
  // Time-major, as agents would deliver it.
  std::vector<std::string> host_names;
  for (int h = 0; h < hosts; ++h) host_names.push_back("host-" + std::to_string(h));
  for (int64_t i = 0; i < points_per_series; ++i) {
    for (int h = 0; h < hosts; ++h) {
      const std::string& host = host_names[static_cast<size_t>(h)];
      for (const char* m : names) {
        x = x * 1664525 + 1013904223;
        if (!store.Append(host, h % 2 ? "web" : "db", m, t0 + i * 10'000, (x >> 8) % 10000 / 100.0).ok()) return 1;
      }
    }
  }
  const double fill = Seconds(std::chrono::steady_clock::now() - start);
  const long rss1 = RssKiB();
  const int64_t now = t0 + (points_per_series - 1) * 10'000;
  auto time_query = [&](Aggregation agg, AggregateOver over, const char* label) {
    AggregateQuery q{
        .metric = "cpu_busy_percent", .group = "", .agg = agg, .over = over, .window_ms = 300'000, .at_ms = now};
    const int reps = 50;
    AggregateResult r;
    auto s = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) r = store.Query(q);
    double each = Seconds(std::chrono::steady_clock::now() - s) / reps;
    std::printf("aggregate %-22s over %d hosts: %.3f ms (hosts=%zu points=%zu value=%.2f)\n", label, hosts, each * 1e3,
                r.hosts, r.points, r.value.value_or(-1));
  };
  std::printf("hosts=%d series=%zu points/series=%lld points=%lld\n", hosts, store.series_count(),
              static_cast<long long>(points_per_series), static_cast<long long>(points_per_series) * hosts * 10);
  std::printf("fill: %.1f s (%.1f M appends/s)\n", fill, points_per_series * hosts * 10 / fill / 1e6);
  std::printf("store accounting: %.1f MB (%.2f bytes/point); bound %.1f MB\n", store.MemoryBytes() / 1e6,
              static_cast<double>(store.MemoryBytes()) / (static_cast<double>(points_per_series) * hosts * 10),
              store.MemoryBound() / 1e6);
  std::printf("RSS: %.1f MB before, %.1f MB after (+%.1f MB)\n", rss0 / 1024.0, rss1 / 1024.0, (rss1 - rss0) / 1024.0);
  time_query(Aggregation::kAvg, AggregateOver::kLatest, "avg latest 5m");
  time_query(Aggregation::kP95, AggregateOver::kLatest, "p95 latest 5m");
  time_query(Aggregation::kP95, AggregateOver::kPoints, "p95 points 5m");
  const std::string path = dir + "/kelola-metrics-bench.snap";
  auto s = std::chrono::steady_clock::now();
  if (!store.WriteSnapshot(path).ok()) return 1;
  double write = Seconds(std::chrono::steady_clock::now() - s);
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  double size_mb = static_cast<double>(f.tellg()) / 1e6;
  SeriesStore again(o);
  s = std::chrono::steady_clock::now();
  if (!again.ReadSnapshot(path).ok()) return 1;
  double read = Seconds(std::chrono::steady_clock::now() - s);
  std::printf("snapshot: %.1f MB written in %.1f s, read back in %.1f s (%zu series)\n", size_mb, write, read,
              again.series_count());
  std::remove(path.c_str());
  return 0;
}
