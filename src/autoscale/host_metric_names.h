// The series names `kelola agent` sends to the embedded store
// (docs/metrics.md, src/agent/host_metrics.cc): the metrics a ScalingPolicy
// may name when it is evaluated against the embedded store. The API refuses
// a policy naming anything else (scaling_policy_handlers.cc), and
// host_metric_names_test.cc checks the agent's real sampler sends no other.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace kelola {

inline constexpr std::array<std::string_view, 8> kHostMetricNames = {
    "cpu_busy_percent",
    "load1",
    "load5",
    "load15",
    "memory_used_percent",
    "network_receive_bytes_per_second",
    "network_transmit_bytes_per_second",
    "disk_used_percent",
};

bool IsHostMetricName(std::string_view name);
// "cpu_busy_percent, load1, ...", for error messages.
std::string HostMetricNameList();

}  // namespace kelola
