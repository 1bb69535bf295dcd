#include "metrics/proc_parsers.h"

#include <charconv>
#include <cmath>
#include <vector>

namespace kelola::metrics {
namespace {

// Splits on runs of spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool ParseU64(std::string_view s, uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out) && out >= 0;
}

template <typename Fn>
void ForEachLine(std::string_view text, Fn&& fn) {
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    ++line_no;
    if (!fn(line, line_no)) return;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::string Quote(std::string_view s) {
  std::string out(s.substr(0, 40));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return "\"" + out + (s.size() > 40 ? "...\"" : "\"");
}

}  // namespace

Result<CpuTimes> ParseProcStat(std::string_view text) {
  Result<CpuTimes> result = InvalidArgumentError("/proc/stat: no \"cpu\" line");
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    auto f = Fields(line);
    if (f.empty() || f[0] != "cpu") return true;
    if (f.size() < 5) {
      result = InvalidArgumentError("/proc/stat line " + std::to_string(line_no) + ": expected at least 4 counters");
      return false;
    }
    uint64_t v[8] = {};
    for (size_t i = 1; i < f.size() && i <= 8; ++i) {
      if (!ParseU64(f[i], v[i - 1])) {
        result = InvalidArgumentError("/proc/stat line " + std::to_string(line_no) + ": counter " + std::to_string(i) +
                                      " is not a number: " + Quote(f[i]));
        return false;
      }
    }
    CpuTimes t;
    for (uint64_t x : v) t.total += x;  // wraps only after centuries of jiffies
    uint64_t idle = v[3] + v[4];
    t.busy = t.total >= idle ? t.total - idle : 0;
    result = t;
    return false;
  });
  return result;
}

double CpuBusyPercent(const CpuTimes& before, const CpuTimes& after) {
  if (after.total <= before.total || after.busy < before.busy) return 0;
  double busy = static_cast<double>(after.busy - before.busy);
  double total = static_cast<double>(after.total - before.total);
  double p = 100.0 * busy / total;
  return p < 0 ? 0 : (p > 100 ? 100 : p);
}

Result<LoadAverage> ParseLoadAvg(std::string_view text) {
  auto f = Fields(text.substr(0, text.find('\n')));
  if (f.size() < 3) return InvalidArgumentError("/proc/loadavg: expected three load averages");
  LoadAverage l;
  double* out[3] = {&l.load1, &l.load5, &l.load15};
  for (size_t i = 0; i < 3; ++i) {
    if (!ParseDouble(f[i], *out[i])) {
      return InvalidArgumentError("/proc/loadavg: field " + std::to_string(i + 1) + " is not a load: " + Quote(f[i]));
    }
  }
  return l;
}

Result<MemInfo> ParseMemInfo(std::string_view text) {
  MemInfo m;
  bool have_total = false, have_available = false;
  Status error = OkStatus();
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    auto f = Fields(line);
    if (f.size() < 2 || (f[0] != "MemTotal:" && f[0] != "MemAvailable:")) return true;
    uint64_t kb = 0;
    if (!ParseU64(f[1], kb) || kb > (UINT64_MAX >> 10) || (f.size() > 2 && f[2] != "kB")) {
      error = InvalidArgumentError("/proc/meminfo line " + std::to_string(line_no) + ": expected \"<n> kB\", got " +
                                   Quote(line));
      return false;
    }
    if (f[0] == "MemTotal:") {
      m.total_bytes = kb << 10;
      have_total = true;
    } else {
      m.available_bytes = kb << 10;
      have_available = true;
    }
    return true;
  });
  if (!error.ok()) return error;
  if (!have_total) return InvalidArgumentError("/proc/meminfo: no MemTotal line");
  if (!have_available) return InvalidArgumentError("/proc/meminfo: no MemAvailable line (Linux < 3.14?)");
  return m;
}

double MemoryUsedPercent(const MemInfo& m) {
  if (m.total_bytes == 0) return 0;
  uint64_t used = m.total_bytes > m.available_bytes ? m.total_bytes - m.available_bytes : 0;
  return 100.0 * static_cast<double>(used) / static_cast<double>(m.total_bytes);
}

Result<std::map<std::string, NetBytes>> ParseNetDev(std::string_view text) {
  std::map<std::string, NetBytes> out;
  Status error = OkStatus();
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      // The two header lines have '|' and no ':'; a blank last line is fine.
      if (line_no <= 2 || Fields(line).empty()) return true;
      error = InvalidArgumentError("/proc/net/dev line " + std::to_string(line_no) + ": expected \"iface: counters\"");
      return false;
    }
    auto name_fields = Fields(line.substr(0, colon));
    auto f = Fields(line.substr(colon + 1));
    if (name_fields.size() != 1 || f.size() < 9) {
      error = InvalidArgumentError("/proc/net/dev line " + std::to_string(line_no) +
                                   ": expected an interface name and 16 counters");
      return false;
    }
    NetBytes b;
    if (!ParseU64(f[0], b.rx) || !ParseU64(f[8], b.tx)) {
      error = InvalidArgumentError("/proc/net/dev line " + std::to_string(line_no) + ": byte counters of " +
                                   Quote(name_fields[0]) + " are not numbers");
      return false;
    }
    if (name_fields[0] != "lo") out[std::string(name_fields[0])] = b;
    return true;
  });
  if (!error.ok()) return error;
  return out;
}

NetBytes NetDelta(const std::map<std::string, NetBytes>& before, const std::map<std::string, NetBytes>& after) {
  NetBytes d;
  for (const auto& [name, a] : after) {
    auto it = before.find(name);
    if (it == before.end()) continue;  // appeared in between: no baseline
    if (a.rx >= it->second.rx) d.rx += a.rx - it->second.rx;
    if (a.tx >= it->second.tx) d.tx += a.tx - it->second.tx;
  }
  return d;
}

}  // namespace kelola::metrics
