// Pure parsers of the Linux /proc files the agent's host metrics sampler
// reads, over the files' text, so captured samples test them and libFuzzer
// feeds them anything (fuzz/proc_parsers_fuzz.cc). They never throw;
// malformed text is InvalidArgument naming the file and the line.
//
//   /proc/stat     the aggregate "cpu" line: jiffies by state
//   /proc/loadavg  load1 load5 load15
//   /proc/meminfo  MemTotal and MemAvailable (kB)
//   /proc/net/dev  per-interface received and transmitted bytes
//
// Rates come from two readings: CpuBusyPercent and the network deltas.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola::metrics {

// Jiffies since boot of the "cpu" line (all CPUs). busy = total - idle -
// iowait; total = user+nice+system+idle+iowait+irq+softirq+steal (guest
// time is already inside user and nice, so it is not added again).
struct CpuTimes {
  uint64_t busy = 0;
  uint64_t total = 0;
};
Result<CpuTimes> ParseProcStat(std::string_view text);
// 100 * Δbusy / Δtotal in [0, 100]; NotFound-free: 0 when no time passed
// or the counters went back (a reset), so callers never divide by zero.
double CpuBusyPercent(const CpuTimes& before, const CpuTimes& after);

struct LoadAverage {
  double load1 = 0, load5 = 0, load15 = 0;
};
Result<LoadAverage> ParseLoadAvg(std::string_view text);

struct MemInfo {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;
};
// MemAvailable is required (Linux >= 3.14).
Result<MemInfo> ParseMemInfo(std::string_view text);
// 100 * (total - available) / total; 0 when total is 0.
double MemoryUsedPercent(const MemInfo& m);

struct NetBytes {
  uint64_t rx = 0;
  uint64_t tx = 0;
};
// Interfaces other than "lo", by name.
Result<std::map<std::string, NetBytes>> ParseNetDev(std::string_view text);
// Sum over interfaces present in both readings of max(0, after - before).
NetBytes NetDelta(const std::map<std::string, NetBytes>& before, const std::map<std::string, NetBytes>& after);

}  // namespace kelola::metrics
