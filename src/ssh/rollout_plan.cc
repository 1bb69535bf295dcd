#include "ssh/rollout_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace kelola {

Status ParseSerial(const std::string& text, RolloutPolicy* policy) {
  policy->serial_hosts = 0;
  policy->serial_percent = 0;
  if (text.empty()) return OkStatus();
  const bool percent = text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  double value = number.empty() ? 0 : std::strtod(number.c_str(), &end);
  if (number.empty() || end == nullptr || *end != '\0' || !std::isfinite(value) || value <= 0) {
    return InvalidArgumentError("serial: expected a host count like 5 or a share like \"20%\", got \"" + text + "\"");
  }
  if (percent) {
    if (value > 100) return InvalidArgumentError("serial: " + text + " is more than 100%");
    policy->serial_percent = value;
  } else {
    if (value != std::floor(value) || value > 1e9) {
      return InvalidArgumentError("serial: a host count must be a whole number, got " + text);
    }
    policy->serial_hosts = static_cast<int>(value);
  }
  return OkStatus();
}

std::vector<int> PlanBatches(int host_count, const RolloutPolicy& policy) {
  std::vector<int> batches;
  if (host_count <= 0) return batches;
  int size = host_count;
  if (policy.serial_hosts > 0) {
    size = policy.serial_hosts;
  } else if (policy.serial_percent > 0) {
    size = static_cast<int>(std::floor(host_count * policy.serial_percent / 100.0 + 1e-9));
  }
  size = std::clamp(size, 1, host_count);
  for (int left = host_count; left > 0; left -= size) batches.push_back(std::min(size, left));
  return batches;
}

bool FailureThresholdExceeded(int failed, int batch_size, const RolloutPolicy& policy) {
  if (failed <= 0 || batch_size <= 0) return false;
  return 100.0 * failed / batch_size > policy.max_fail_percentage + 1e-9;
}

}  // namespace kelola
