// Template mining throughput: lines/s of TemplateMiner::Add on one thread.
// Usage: template_miner_bench FILE [REPEAT]
// FILE holds one message per line (e.g. the Content of HDFS_2k, or raw
// HDFS lines); it is read into memory and fed REPEAT times (default 500).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "analyze/template_miner.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [REPEAT]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const int repeat = argc > 2 ? std::stoi(argv[2]) : 500;
  if (lines.empty() || repeat <= 0) return 2;
  kelola::analyze::TemplateMiner miner;
  uint64_t checksum = 0;
  for (const auto& l : lines) checksum += miner.Add(l, 0);  // warm-up: learn the templates
  // CPU time of this thread as well as wall time: on a shared machine the
  // thread may wait for a core, and lines per CPU-second is the cost.
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  const double cpu_start = cpu_now();
  const auto start = std::chrono::steady_clock::now();
  int64_t t = 0;
  for (int r = 0; r < repeat; ++r) {
    for (const auto& l : lines) checksum += miner.Add(l, ++t);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_now() - cpu_start;
  const double n = static_cast<double>(lines.size()) * repeat;
  std::printf(
      "lines=%.0f wall_s=%.3f cpu_s=%.3f lines_per_wall_second=%.0f lines_per_cpu_second=%.0f templates=%zu "
      "checksum=%llu\n",
      n, s, cpu, n / s, n / cpu, miner.template_count(), static_cast<unsigned long long>(checksum));
  return 0;
}
