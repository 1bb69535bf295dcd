#include "scale/simulation_plot.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace kelola {
namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
constexpr int kWidth = 1200;
constexpr int kLeft = 70;
constexpr int kRight = 20;
constexpr int kPlotWidth = kWidth - kLeft - kRight;
constexpr int kTopY = 40;
constexpr int kTopHeight = 300;
constexpr int kBottomY = 390;
constexpr int kBottomHeight = 200;

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A "nice" axis maximum and step: 1, 2 or 5 × 10^n.
double NiceStep(double max, int ticks) {
  if (!(max > 0)) return 1;
  const double raw = max / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

std::string Polyline(const std::vector<double>& ys, double ymax, int y0, int height, const char* color, double width) {
  std::string pts;
  const size_t n = ys.size();
  for (size_t i = 0; i < n; ++i) {
    const double x = kLeft + (n == 1 ? 0.0 : kPlotWidth * static_cast<double>(i) / (n - 1));
    const double y = y0 + height - height * std::min(1.0, ys[i] / ymax);
    pts += fmt::format("{:.1f},{:.1f} ", x, y);
  }
  return fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" points=\"{}\"/>\n", color, width, pts);
}

std::string Axis(double ymax, double step, int y0, int height, const std::string& label) {
  std::string out = fmt::format("<text x=\"10\" y=\"{}\" font-size=\"12\">{}</text>\n", y0 - 8, Escape(label));
  for (double v = 0; v <= ymax + 1e-9; v += step) {
    const double y = y0 + height - height * v / ymax;
    out += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1f}\" "
        "font-size=\"11\" text-anchor=\"end\">{:g}</text>\n",
        kLeft, kLeft + kPlotWidth, y, y, kLeft - 5, y + 4, v);
  }
  return out;
}

}  // namespace

std::string RenderSimulationSvg(const LoadTrace& trace, double load_scale, const std::vector<SimulationResult>& runs,
                                size_t from_minute, size_t minutes) {
  from_minute = std::min(from_minute, trace.requests.size());
  minutes = std::min(minutes, trace.requests.size() - from_minute);
  const size_t bucket = std::max<size_t>(1, (minutes + kPlotWidth - 1) / kPlotWidth);
  const size_t buckets = minutes == 0 ? 0 : (minutes + bucket - 1) / bucket;
  auto mean = [&](auto get) {
    std::vector<double> out(buckets, 0.0);
    for (size_t b = 0; b < buckets; ++b) {
      size_t n = 0;
      for (size_t m = from_minute + b * bucket; m < std::min(from_minute + minutes, from_minute + (b + 1) * bucket);
           ++m, ++n) {
        out[b] += get(m);
      }
      if (n > 0) out[b] /= static_cast<double>(n);
    }
    return out;
  };
  std::vector<double> load = mean([&](size_t m) { return trace.requests[m] * load_scale; });
  double load_max = 1, hosts_max = 1;
  for (double v : load) load_max = std::max(load_max, v);
  std::vector<std::vector<double>> caps, hosts;
  for (const auto& r : runs) {
    caps.push_back(mean([&](size_t m) { return m < r.capacity.size() ? r.capacity[m] : 0.0; }));
    hosts.push_back(mean([&](size_t m) { return m < r.hosts.size() ? static_cast<double>(r.hosts[m]) : 0.0; }));
    for (double v : caps.back()) load_max = std::max(load_max, v);
    for (double v : hosts.back()) hosts_max = std::max(hosts_max, v);
  }
  const double load_step = NiceStep(load_max, 5), hosts_step = NiceStep(hosts_max, 4);
  load_max = std::ceil(load_max / load_step) * load_step;
  hosts_max = std::ceil(hosts_max / hosts_step) * hosts_step;

  const int height = kBottomY + kBottomHeight + 30 + 16 * static_cast<int>(runs.size() + 1);
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kWidth, height, kWidth, height);
  const WallTime first = trace.start + std::chrono::minutes(from_minute);
  svg += fmt::format(
      "<text x=\"{}\" y=\"18\" font-size=\"14\">load and capacity (requests/min), {} minutes from {}{}</text>\n", kLeft,
      minutes, Escape(FormatRfc3339(first)), bucket > 1 ? fmt::format(", means over {} min", bucket) : "");
  svg += Axis(load_max, load_step, kTopY, kTopHeight, "req/min");
  svg += Axis(hosts_max, hosts_step, kBottomY, kBottomHeight, "hosts");
  // Day marks on the x axis.
  const size_t day = 24 * 60;
  const size_t label_every = std::max<size_t>(1, minutes / day / 12 + 1);
  for (size_t m = ((from_minute + day - 1) / day) * day, k = 0; m < from_minute + minutes; m += day, ++k) {
    if (k % label_every != 0) continue;
    const double x = kLeft + kPlotWidth * static_cast<double>(m - from_minute) / std::max<size_t>(1, minutes - 1);
    const std::string date = FormatRfc3339(trace.start + std::chrono::minutes(m)).substr(0, 10);
    svg += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#eee\"/><text x=\"{:.1f}\" y=\"{}\" "
        "font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
        x, x, kTopY, kBottomY + kBottomHeight, x, kBottomY + kBottomHeight + 16, date);
  }
  if (!load.empty()) svg += Polyline(load, load_max, kTopY, kTopHeight, "#000", 1.2);
  for (size_t i = 0; i < runs.size(); ++i) {
    const char* color = kColors[i % (sizeof(kColors) / sizeof(kColors[0]))];
    if (!caps[i].empty()) svg += Polyline(caps[i], load_max, kTopY, kTopHeight, color, 1.0);
    if (!hosts[i].empty()) svg += Polyline(hosts[i], hosts_max, kBottomY, kBottomHeight, color, 1.0);
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"3\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" "
        "font-size=\"12\">{} capacity / hosts</text>\n",
        kLeft + 10, kBottomY + kBottomHeight + 36 + 16 * static_cast<int>(i) - 4, color, kLeft + 28,
        kBottomY + kBottomHeight + 36 + 16 * static_cast<int>(i), Escape(runs[i].name));
  }
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"3\" fill=\"#000\"/><text x=\"{}\" y=\"{}\" "
      "font-size=\"12\">load</text>\n",
      kLeft + 10, height - 14, kLeft + 28, height - 10);
  svg += "</svg>\n";
  return svg;
}

}  // namespace kelola
