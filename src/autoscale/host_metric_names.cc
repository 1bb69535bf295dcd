#include "autoscale/host_metric_names.h"

#include <algorithm>

namespace kelola {

bool IsHostMetricName(std::string_view name) {
  return std::find(kHostMetricNames.begin(), kHostMetricNames.end(), name) != kHostMetricNames.end();
}

std::string HostMetricNameList() {
  std::string out;
  for (std::string_view n : kHostMetricNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace kelola
