// libFuzzer target: the agent's /proc parsers (metrics/proc_parsers.h) read
// files whose text the agent does not control (a container's /proc, a
// different kernel). No input may crash or hang; what parses must be sane.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "metrics/proc_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace m = kelola::metrics;
  if (auto cpu = m::ParseProcStat(text); cpu.ok()) {
    if (cpu->busy > cpu->total) std::abort();
    double p = m::CpuBusyPercent({}, *cpu);
    if (!(p >= 0 && p <= 100)) std::abort();
  }
  if (auto load = m::ParseLoadAvg(text); load.ok()) {
    if (!std::isfinite(load->load1) || load->load1 < 0) std::abort();
  }
  if (auto mem = m::ParseMemInfo(text); mem.ok()) {
    double p = m::MemoryUsedPercent(*mem);
    if (!(p >= 0 && p <= 100)) std::abort();
  }
  if (auto net = m::ParseNetDev(text); net.ok()) {
    if (net->count("lo") != 0) std::abort();
    (void)m::NetDelta(*net, *net);
  }
  return 0;
}
